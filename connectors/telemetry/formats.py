"""The telemetry formats: which one a file is (from its first bytes), and the SELECT that reads its samples.

Every format becomes rows of (match_value, series, ts_start, ts_end, metric, value) with metric one of
cpu_u and gpu_u (fractions), gpu_w (W per GPU), energy_kwh (metered energy of an interval) and joules (a
cumulative counter, whose increase is the energy). ingest.py summarises them per series.
"""

from __future__ import annotations

import csv
import io
import re

from cloudcarbon.errors import InputError

ACCEPTED = ("CodeCarbon emissions.csv, nvidia-smi --query-gpu=... --format=csv, NVIDIA DCGM exporter (Prometheus "
            "text or range-query JSON), CloudWatch GetMetricData JSON, Kepler (Prometheus range-query JSON)")
# Labels that name the machine a Prometheus series was scraped from, in order of preference.
HOST_LABELS = ("Hostname", "hostname", "node", "node_name", "nodename", "instance")
# Prometheus metric -> (our metric, factor to our unit).
PROM_METRICS = """
    CASE WHEN name = 'DCGM_FI_DEV_GPU_UTIL' THEN 'gpu_u' WHEN name = 'DCGM_FI_DEV_POWER_USAGE' THEN 'gpu_w'
         WHEN name LIKE 'kepler\\_%\\_joules\\_total' ESCAPE '\\' THEN 'joules' END
"""
PROM_FACTOR = "CASE WHEN name = 'DCGM_FI_DEV_GPU_UTIL' THEN 0.01 ELSE 1 END"


def _head(file: str) -> str:
    try:
        with open(file, "rb") as handle:
            data = handle.read(65536)
    except OSError as error:
        raise InputError(f"{file}: cannot be read ({error.strerror}); check the path") from None
    if b"\x00" in data:
        raise InputError(f"{file}: is binary, not telemetry; accepted: {ACCEPTED}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{file}: is not UTF-8 text; accepted: {ACCEPTED}") from None


def detect(file: str) -> str:
    """The file's format: codecarbon-csv, nvidia-smi-csv, prometheus-text, prometheus-json, cloudwatch-json."""
    head = _head(file)
    text = head.lstrip()
    if not text:
        raise InputError(f"{file}: is empty; accepted: {ACCEPTED}")
    if text.startswith("{"):
        if '"MetricDataResults"' in text:
            return "cloudwatch-json"
        if '"resultType"' in text or '"result"' in text:
            return "prometheus-json"
    elif text.startswith("#") or text.startswith(("DCGM_", "kepler_")):
        # Exposition format: a sample line of a DCGM or Kepler metric, not only a comment that names one.
        if re.search(r"^(DCGM_|kepler_)\w*[{ ]", text, re.MULTILINE):
            return "prometheus-text"
    else:
        header = [h.strip().lower() for h in next(csv.reader(io.StringIO(text.splitlines()[0])), [])]
        if {"energy_consumed", "duration", "timestamp"} <= set(header):
            return "codecarbon-csv"
        if "timestamp" in header and any(h.startswith(("utilization.gpu", "power.draw")) for h in header):
            return "nvidia-smi-csv"
    raise InputError(f"{file}: is not a telemetry format this reads; accepted: {ACCEPTED}")


def nvidia_smi_columns(file: str) -> dict[str, int]:
    """nvidia-smi's header (`utilization.gpu [%]`) -> column positions by field name."""
    header = next(csv.reader(io.StringIO(_head(file).splitlines()[0])))
    return {h.strip().split(" [", 1)[0].lower(): number for number, h in enumerate(header)}


def _key(match_on: str, labels: str) -> str:
    """The value a Prometheus series is matched on: the --key, a tag's label, or the machine's name."""
    if match_on.startswith("tag:"):
        return f"coalesce($key, {labels}[$tag])"
    hosts = ", ".join(f"{labels}['{label}']" for label in HOST_LABELS)
    return f"coalesce($key, regexp_replace(coalesce({hosts}), ':[0-9]+$', ''))"


def _prometheus_samples(match_on: str) -> str:
    """Samples of a CTE `parsed` (name, labels, ts, v) of either Prometheus shape: a series is its label set."""
    return f"""
        SELECT {_key(match_on, 'labels')} AS match_value,
               array_to_string(list_sort(list_transform(map_entries(labels), lambda e: e.key || '=' || e.value)),
                               ',') AS series, ts AS ts_start, ts AS ts_end,
               {PROM_METRICS} AS metric, v * {PROM_FACTOR} AS value
        FROM parsed WHERE metric IS NOT NULL
    """


def samples_sql(fmt: str, match_on: str, file: str) -> str:
    """SELECT of the samples of one file ($file; $key the --key, $tag the KEY of --match tag:KEY)."""
    if fmt == "codecarbon-csv":
        return """
            SELECT coalesce($key, project_name) AS match_value, coalesce(CAST(run_id AS VARCHAR), '') AS series,
                   CAST(timestamp AS TIMESTAMP) - to_microseconds(CAST(round(CAST(duration AS DOUBLE) * 1e6) AS BIGINT))
                       AS ts_start,
                   CAST(timestamp AS TIMESTAMP) AS ts_end, 'energy_kwh' AS metric,
                   CAST(energy_consumed AS DOUBLE) AS value
            FROM read_csv($file, header = true, all_varchar = true)
        """
    if fmt == "nvidia-smi-csv":
        columns = nvidia_smi_columns(file)
        if "timestamp" not in columns:
            raise InputError(f"{file}: nvidia-smi log without a timestamp field; add timestamp to --query-gpu")
        series = f"c{columns['pci.bus_id']}" if "pci.bus_id" in columns else "'gpu'"
        number = "TRY_CAST(nullif(regexp_extract(c{}, '[0-9.]+'), '') AS DOUBLE)"
        metrics = [f"('{metric}', {number.format(columns[field])} * {factor})"
                   for field, metric, factor in (("utilization.gpu", "gpu_u", 0.01), ("power.draw", "gpu_w", 1))
                   if field in columns]
        ts = f"try_strptime(trim(c{columns['timestamp']}), ['%Y/%m/%d %H:%M:%S.%g', '%Y/%m/%d %H:%M:%S'])"
        return f"""
            SELECT $key AS match_value, trim({series}) AS series, {ts} AS ts_start, {ts} AS ts_end,
                   m.metric, m.value
            FROM read_csv($file, header = false, skip = 1, all_varchar = true, delim = ',', null_padding = true,
                          names = {[f"c{n}" for n in range(len(columns))]})
            CROSS JOIN LATERAL (VALUES {', '.join(metrics)}) AS m(metric, value)
        """
    if fmt == "prometheus-text":
        line = r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+(-?[0-9]+))?\s*$"
        pair = r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"'
        return f"""
            WITH lines AS (
                SELECT regexp_extract(line, '{line}', ['name', 'braces', 'labels', 'value', 'space', 'ms']) AS p
                FROM read_csv($file, header = false, columns = {{'line': 'VARCHAR'}}, delim = '\x1f', quote = '',
                              escape = '')
                WHERE line NOT LIKE '#%' AND trim(line) <> ''
            ),
            parsed AS (
                SELECT p.name, map(regexp_extract_all(p.labels, '{pair}', 1), regexp_extract_all(p.labels, '{pair}', 2))
                           AS labels,
                       TRY_CAST(p.value AS DOUBLE) AS v,
                       coalesce(make_timestamp(TRY_CAST(nullif(p.ms, '') AS BIGINT) * 1000), $modified) AS ts
                FROM lines
            )
            {_prometheus_samples(match_on)}
        """
    if fmt == "prometheus-json":
        return f"""
            WITH series AS (
                SELECT unnest(data.result) AS r FROM read_json($file, columns = {{'status': 'VARCHAR', 'data':
                    'STRUCT(resultType VARCHAR, result STRUCT(metric MAP(VARCHAR, VARCHAR), "values" JSON[])[])'}})
            ),
            parsed AS (
                SELECT r.metric['__name__'] AS name, map_from_entries(list_filter(map_entries(r.metric),
                           lambda e: e.key <> '__name__')) AS labels,
                       make_timestamp(CAST(CAST(v->>0 AS DOUBLE) * 1e6 AS BIGINT)) AS ts, CAST(v->>1 AS DOUBLE) AS v
                FROM series, unnest(r."values") AS t(v)
            )
            {_prometheus_samples(match_on)}
        """
    if fmt == "cloudwatch-json":
        instance = r"i-[0-9a-z]{5,17}"
        return f"""
            WITH results AS (
                SELECT unnest(MetricDataResults, recursive := true) FROM read_json($file, columns = {{
                    'MetricDataResults': 'STRUCT(Id VARCHAR, Label VARCHAR, Timestamps TIMESTAMPTZ[], '
                                         || '"Values" DOUBLE[], StatusCode VARCHAR)[]'
                }})
            ),
            points AS (SELECT Id, Label, unnest(Timestamps) AS t, unnest("Values") AS v FROM results),
            named AS (
                SELECT *, lower(coalesce(Label, '') || ' ' || Id) AS said,
                       CASE WHEN said LIKE '%cpuutilization%' THEN 'cpu_u'
                            WHEN said LIKE '%nvidia_smi_utilization_gpu%' THEN 'gpu_u'
                            WHEN said LIKE '%nvidia_smi_power_draw%' THEN 'gpu_w' END AS metric
                FROM points
            )
            SELECT coalesce($key, nullif(regexp_extract(Label, '{instance}'), ''),
                            nullif(regexp_extract(replace(Id, '_', '-'), '{instance}'), '')) AS match_value,
                   Id AS series, CAST(t AS TIMESTAMP) AS ts_start, CAST(t AS TIMESTAMP) AS ts_end, metric,
                   v * CASE WHEN metric = 'gpu_w' THEN 1 ELSE 0.01 END AS value
            FROM named
            WHERE metric IS NOT NULL
        """
    raise AssertionError(fmt)
