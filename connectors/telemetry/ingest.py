"""`cloudcarbon ingest telemetry`: measured utilisation, power and energy into the store's `telemetry` table.

Each file's samples are read by DuckDB (formats.py), summarised per series (mean, 10th and 90th percentile, sample
count, window) and stored in one transaction that first removes what earlier ingests of the same files stored, so
re-ingesting a file replaces it. The footprint attaches the series to usage rows (queries/usage_measured.sql).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from cloudcarbon import __version__, stored_footprint
from cloudcarbon.connectors.files import ends_with_newline, expand_local, is_remote, local_filesystem
from cloudcarbon.connectors.telemetry import formats
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.ingest import IngestSummary
from cloudcarbon.queries import define_macros
from cloudcarbon.store import transaction

SHOWN_UNMATCHED = 5
# Per series: the samples' mean and spread; metered energy summed over intervals, or a counter's increase.
SUMMARY_SQL = """
    SELECT match_on, match_value, series, min(ts_start) AS window_start, max(ts_end) AS window_end,
           avg(value) FILTER (WHERE metric = 'cpu_u') AS cpu_utilization,
           quantile_cont(value, 0.1) FILTER (WHERE metric = 'cpu_u') AS cpu_utilization_low,
           quantile_cont(value, 0.9) FILTER (WHERE metric = 'cpu_u') AS cpu_utilization_high,
           avg(value) FILTER (WHERE metric = 'gpu_u') AS gpu_utilization,
           quantile_cont(value, 0.1) FILTER (WHERE metric = 'gpu_u') AS gpu_utilization_low,
           quantile_cont(value, 0.9) FILTER (WHERE metric = 'gpu_u') AS gpu_utilization_high,
           avg(value) FILTER (WHERE metric = 'gpu_w') AS gpu_power_w,
           quantile_cont(value, 0.1) FILTER (WHERE metric = 'gpu_w') AS gpu_power_w_low,
           quantile_cont(value, 0.9) FILTER (WHERE metric = 'gpu_w') AS gpu_power_w_high,
           coalesce(sum(value) FILTER (WHERE metric = 'energy_kwh'),
                    (max(value) FILTER (WHERE metric = 'joules') - min(value) FILTER (WHERE metric = 'joules'))
                    / 3.6e6) AS energy_kwh,
           count(*) AS samples, x_source_format, x_source_file, $id AS x_ingest_id
    FROM telemetry_samples
    GROUP BY match_on, match_value, series, x_source_format, x_source_file
"""
UNMATCHED_SQL = """
    SELECT t.match_on || ' ' || t.match_value AS what FROM telemetry t
    WHERE t.x_ingest_id = $id AND NOT EXISTS (
        SELECT 1 FROM usage u WHERE telemetry_covers(t.match_on, t.match_value, t.window_start, t.window_end,
                                                     u.resource_id, u.tags, u.charge_period_start, u.charge_period_end))
"""


@dataclass
class TelemetrySummary(IngestSummary):
    series: int = 0
    unmatched: list[str] = field(default_factory=list)  # "host gpu-node-7" per series that matched no usage
    months: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (f"ingested {len(self.files)} file(s) ({self.source_format}): {self.rows_read:,} samples read, "
                f"{self.series:,} series kept; {len(self.months)} period(s): {', '.join(self.months) or 'none'}")
        if self.unmatched:
            shown = ", ".join(list(dict.fromkeys(self.unmatched))[:SHOWN_UNMATCHED])
            text += (f"; {len(self.unmatched)} series match no usage row (kept, not used until usage for them is "
                     f"ingested: {shown}) -> cloudcarbon unknowns")
        else:
            text += "; every series matches usage"
        return text


def check_match(match: str | None) -> None:
    if match is not None and match not in ("resource", "host") and not (match.startswith("tag:") and len(match) > 4):
        raise UsageError(f"--match {match}: choose resource, host or tag:KEY (e.g. tag:team)")


def _files(sources: list[str]) -> list[str]:
    found: list[str] = []
    for source in sources:
        if is_remote(source):
            raise InputError(f"{source}: `ingest telemetry` reads local files; download it first")
        found.extend(expand_local(source))
    return list(dict.fromkeys(found))


def _read_samples(con: duckdb.DuckDBPyConnection, files: list[str], match: str | None, key: str | None) -> set[str]:
    """Fill TEMP telemetry_samples from every file; return the formats found."""
    con.execute("""CREATE OR REPLACE TEMP TABLE telemetry_samples (match_on VARCHAR, match_value VARCHAR,
        series VARCHAR, ts_start TIMESTAMP, ts_end TIMESTAMP, metric VARCHAR, value DOUBLE, x_source_format VARCHAR,
        x_source_file VARCHAR)""")
    found = set()
    for file in files:
        fmt = formats.detect(file)
        if not ends_with_newline(local_filesystem(), file) and fmt != "prometheus-json" and fmt != "cloudwatch-json":
            raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; export it again")
        if fmt == "nvidia-smi-csv" and key is None:
            raise UsageError(f"{file}: an nvidia-smi log does not name its machine; give --key with its instance id "
                             "or host name (e.g. --key i-0abc123 or --key gpu-node-1)")
        match_on = match or ("resource" if fmt == "cloudwatch-json" else "host")
        modified = datetime.fromtimestamp(os.path.getmtime(file), UTC).replace(tzinfo=None)
        params = {"file": file, "key": key, "tag": match_on[4:] if match_on.startswith("tag:") else None,
                  "modified": modified, "match_on": match_on, "fmt": fmt}
        try:
            sql = formats.samples_sql(fmt, match_on, file)
            con.execute(f"INSERT INTO telemetry_samples SELECT $match_on, s.*, $fmt, $file FROM ({sql}) s "
                        "WHERE s.value IS NOT NULL", {k: v for k, v in params.items() if f"${k}" in sql
                                                     or k in ("match_on", "fmt", "file")})
        except duckdb.Error as error:
            first = str(error).strip().splitlines()[0]
            raise InputError(f"{file}: could not be read as {fmt} ({first}); accepted: {formats.ACCEPTED}") from None
        problem = con.execute("""
            SELECT count(*), count(*) FILTER (WHERE ts_start IS NULL), count(*) FILTER (WHERE match_value IS NULL)
            FROM telemetry_samples WHERE x_source_file = $file""", {"file": file}).fetchall()[0]
        if problem[0] == 0:
            raise InputError(f"{file}: holds no samples of CPU or GPU utilisation, GPU power or energy ({fmt}); "
                             f"accepted: {formats.ACCEPTED}")
        if problem[1]:
            raise InputError(f"{file}: {problem[1]} sample(s) without a readable timestamp; export times as ISO 8601 "
                             "or Unix seconds")
        if problem[2]:
            raise UsageError(f"{file}: {problem[2]} sample(s) name no resource, host or tag value to match usage; "
                             "give --key (or --match tag:KEY for a label the series carry)")
        found.add(fmt)
    return found


def ingest_telemetry(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    match: str | None = None,
    key: str | None = None,
    progress: bool | None = None,
) -> TelemetrySummary:
    """Ingest telemetry files; the caller's connection is the store itself (the write is one transaction here)."""
    check_match(match)
    files = _files(sources)
    found = _read_samples(con, files, match, key)
    define_macros(con)
    ingest_id = str(uuid.uuid4())
    started = datetime.now(UTC)
    with transaction(con):
        con.execute("DELETE FROM telemetry WHERE x_source_file IN (SELECT unnest($files))", {"files": files})
        con.execute(f"INSERT INTO telemetry BY NAME {SUMMARY_SQL}", {"id": ingest_id})
        samples, series, months = con.execute("""
            SELECT (SELECT count(*) FROM telemetry_samples), count(*),
                   list(DISTINCT strftime(window_start, '%Y-%m') ORDER BY strftime(window_start, '%Y-%m'))
            FROM telemetry WHERE x_ingest_id = $id""", {"id": ingest_id}).fetchall()[0]
        unmatched = [row[0] for row in con.execute(UNMATCHED_SQL, {"id": ingest_id}).fetchall()]
        con.execute("INSERT INTO telemetry_ingests VALUES ($id, $started, $fmt, $files, $samples, $series, "
                    "$unmatched, $tool)",
                    {"id": ingest_id, "started": started, "fmt": "+".join(sorted(found)), "files": files,
                     "samples": samples, "series": series, "unmatched": len(unmatched), "tool": __version__})
        stored_footprint.invalidate(con)  # the stored figures now use the measurements: recompute them
        stored_footprint.refresh(con)
    con.execute("DROP TABLE telemetry_samples")
    return TelemetrySummary(ingest_id=ingest_id, source_format="+".join(sorted(found)), files=files,
                            rows_read=samples, rows_kept=series, series=series, unmatched=sorted(unmatched),
                            months=months or [])
