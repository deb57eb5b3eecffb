"""Load (issue #6, "Reliability"): a 10,000,000-line CUR 2.0 month is ingested while `cloudcarbon report`
and `cloudcarbon footprint --format json` run beside it, each in its own process, against one real DuckDB
file. Every reader either answers with the store as it was before the ingest or as it is after it (never a
mix), or says in one line that the store is busy; the ingest is not starved and completes; afterwards the
report holds the 10M-line month, figures match the file, and `doctor` passes. The ingest's peak RSS is
measured exactly (os.wait4) and bounded.

Run alone: pytest tests/test_load_10m.py -s (prints the timings).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
from test_faults import CLOUDCARBON, cloudcarbon, doctor_passes, finish, one_line_from_process, period_state

from cloudcarbon.store import writer_lock_wait

# Timing-sensitive: one after another on one xdist worker, never beside each other.
pytestmark = pytest.mark.xdist_group("serial")

ROWS = 10_000_000
MONTH, PREVIOUS = "2026-11", "2026-10"  # the bundled demo holds 2026-08 to 2026-10
# AWS's first delivery of the month, already in the store: every FIRST_DELIVERY_EVERY-th line (~10k lines).
FIRST_DELIVERY_EVERY = 997
# Idle time the reader loop leaves between two readers (see the loop for why).
READER_GAP_SECONDS = 1.0
MAX_INGEST_RSS = 1.5 * 1024**3  # DuckDB held to store.MEMORY_LIMIT: 0.84 GB measured for a 10M-line file
GIVE_UP_SECONDS = 600  # a hung ingest fails the test instead of the CI job

# ------------------------------------------------------------------------------------------------
# A 10M-line CUR 2.0 month, generated in DuckDB SQL
# ------------------------------------------------------------------------------------------------

# (instance type, vCPUs, GPUs, on-demand $/h): all in coefficients/data/instances.csv.
INSTANCES = [("m5.large", 2, 0, 0.096), ("m6i.xlarge", 4, 0, 0.192), ("c5.2xlarge", 8, 0, 0.34),
             ("r5.large", 2, 0, 0.126), ("c7g.large", 2, 0, 0.0725), ("t3.medium", 2, 0, 0.0416),
             ("m5.xlarge", 4, 0, 0.192), ("g5.2xlarge", 8, 1, 1.212)]
# (region, usage-type prefix: us-east-1 has none)
REGIONS = [("us-east-1", ""), ("us-west-2", "USW2-"), ("eu-west-1", "EU-"), ("eu-central-1", "EUC1-")]
# (payer, usage account, account name): the demo's payer and a second one.
ACCOUNTS = [("004417226251", "118273645590", "prod-web"), ("004417226251", "061529384710", "prod-data"),
            ("004417226251", "273849501128", "ml-research"), ("381492275710", "046182735519", "eu-prod"),
            ("381492275710", "964738201956", "eu-data-platform")]
TEAMS = ["web", "data", "ml", "platform"]
KEPT_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")


def _list(values: list) -> str:
    """A DuckDB list literal; indexing a constant list is far cheaper than building values per line."""
    return "[" + ", ".join(f"'{v}'" if isinstance(v, str) else repr(v) for v in values) + "]"


def _maps(entries: list[dict[str, str]]) -> str:
    return "[" + ", ".join("MAP {" + ", ".join(f"'{k}': '{v}'" for k, v in e.items()) + "}" for e in entries) + "]"


def month_sql(rows: int, where: str = "true") -> str:
    """Line n of the month, by n % 20: 0-11 on-demand BoxUsage, 12 RI (DiscountedUsage), 13 Savings Plan
    covered, 14 its SavingsPlanNegation, 15 EBS gp3 GB-Mo, 16 S3 GB-Mo, 17 data transfer out GB, 18 Tax,
    19 EBSOptimized:<type> Hrs (hourly, but not an instance hour). Kinds 14 and 18 are not usage, so 18 of
    every 20 lines are kept. Resource r = n // 14400 keeps its type, region and tags for all 720 hours;
    each line is one hour of November (a seventh of them half an hour)."""
    product = [{"vcpu": str(vcpus), "region": region} if instance else {"region": region}
               for instance in (False, True) for _, vcpus, _, _ in INSTANCES for region, _ in REGIONS]
    tags = [{"user_team": team, "user_env": env} for team in TEAMS for env in ("dev", "prod")]
    n_i, n_r = len(INSTANCES), len(REGIONS)
    return f"""
        WITH base AS (
            SELECT n, n % 20 AS k, (n // 20) % 720 AS hour, n // 14400 AS r
            FROM range({rows}) t(n) WHERE {where}
        ), line AS (
            SELECT *, 1 + r % {n_i} AS ti, 1 + (r // {n_i}) % {n_r} AS ri, 1 + (r * 7 + k) % {len(ACCOUNTS)} AS ai,
                   k <= 14 OR k = 19 AS on_instance,
                   CASE WHEN n % 7 = 0 THEN 0.5 ELSE 1.0 END::DOUBLE AS hours,
                   {_list([rate for *_, rate in INSTANCES])}[1 + r % {n_i}]::DOUBLE AS rate
            FROM base
        )
        SELECT
            -- A real CUR line has an identity: without it, lines identical in every column are copies (dropped).
            printf('%032x', n) AS identity_line_item_id,
            strftime(TIMESTAMP '{MONTH}-01' + to_hours(hour), '%Y-%m-%dT%H:%M:%SZ') || '/'
                || strftime(TIMESTAMP '{MONTH}-01' + to_hours(hour + 1), '%Y-%m-%dT%H:%M:%SZ')
                AS identity_time_interval,
            {_list([a[0] for a in ACCOUNTS])}[ai] AS bill_payer_account_id,
            TIMESTAMP '{MONTH}-01' AS bill_billing_period_start_date,
            TIMESTAMP '{MONTH}-01' + INTERVAL 1 MONTH AS bill_billing_period_end_date,
            {_list([a[1] for a in ACCOUNTS])}[ai] AS line_item_usage_account_id,
            {_list([a[2] for a in ACCOUNTS])}[ai] AS line_item_usage_account_name,
            CASE WHEN k = 12 THEN 'DiscountedUsage' WHEN k = 13 THEN 'SavingsPlanCoveredUsage'
                 WHEN k = 14 THEN 'SavingsPlanNegation' WHEN k = 18 THEN 'Tax' ELSE 'Usage' END
                AS line_item_line_item_type,
            TIMESTAMP '{MONTH}-01' + to_hours(hour) AS line_item_usage_start_date,
            TIMESTAMP '{MONTH}-01' + to_hours(hour + 1) AS line_item_usage_end_date,
            CASE WHEN k = 16 THEN 'AmazonS3' ELSE 'AmazonEC2' END AS line_item_product_code,
            {_list([p for _, p in REGIONS])}[ri] || CASE
                WHEN k <= 14 THEN 'BoxUsage:' || {_list([t[0] for t in INSTANCES])}[ti]
                WHEN k = 15 THEN 'EBS:VolumeUsage.gp3' WHEN k = 16 THEN 'TimedStorage-ByteHrs'
                WHEN k = 17 THEN 'DataTransfer-Out-Bytes' WHEN k = 18 THEN 'Tax'
                ELSE 'EBSOptimized:' || {_list([t[0] for t in INSTANCES])}[ti] END AS line_item_usage_type,
            CASE WHEN k <= 14 THEN 'RunInstances' WHEN k = 15 THEN 'CreateVolume-Gp3' ELSE '' END
                AS line_item_operation,
            CASE WHEN on_instance OR k = 15 THEN {_list([r for r, _ in REGIONS])}[ri] || 'a' ELSE '' END
                AS line_item_availability_zone,
            CASE WHEN on_instance THEN printf('i-%017x', r * 20 + k) WHEN k = 15 THEN printf('vol-%017x', r)
                 WHEN k = 16 THEN 'acme-bucket-' || r ELSE '' END AS line_item_resource_id,
            CASE WHEN on_instance THEN hours ELSE 0.05 + (n % 13) / 100 END AS line_item_usage_amount,
            'USD' AS line_item_currency_code,
            CASE WHEN k < 12 OR k = 13 THEN hours * rate WHEN k = 12 THEN 0.0 WHEN k = 14 THEN -hours * rate
                 WHEN k = 15 THEN 0.008 WHEN k = 16 THEN 0.0023 WHEN k = 17 THEN 0.0225 WHEN k = 18 THEN 1.5
                 ELSE 0.025 * hours END AS line_item_unblended_cost,
            CASE WHEN k = 12 THEN hours * rate * 0.62 END AS reservation_effective_cost,
            CASE WHEN k = 13 THEN hours * rate * 0.72 END AS savings_plan_savings_plan_effective_cost,
            CASE WHEN on_instance THEN 'Hrs' WHEN k IN (15, 16) THEN 'GB-Mo' WHEN k = 17 THEN 'GB' ELSE '' END
                AS pricing_unit,
            CASE WHEN on_instance THEN {_list([t[0] for t in INSTANCES])}[ti] ELSE '' END AS product_instance_type,
            CASE WHEN k = 18 THEN '' ELSE {_list([r for r, _ in REGIONS])}[ri] END AS product_region_code,
            {_maps(product)}[1 + on_instance::INT * {n_i * n_r} + (ti - 1) * {n_r} + ri - 1] AS product,
            {_maps(tags)}[1 + (r % {len(TEAMS)}) * 2 + (r % 3 <> 0)::INT] AS resource_tags
        FROM line
    """


def write_month(path: Path, where: str = "true") -> Path:
    with duckdb.connect() as con:
        con.execute(f"COPY ({month_sql(ROWS, where)}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    return path


@dataclass(frozen=True)
class FileFigures:
    """What the export holds, read from the Parquet file without cloudcarbon's queries."""

    kept_by_payer: dict[str, int]
    vcpu_hours: float
    gpu_hours: float
    cost: float


def file_figures(path: Path) -> FileFigures:
    gpus = ", ".join(f"('{t}', {g})" for t, _, g, _ in INSTANCES)
    with duckdb.connect() as con:
        by_payer = con.execute(f"""
            SELECT bill_payer_account_id, count(*) FROM read_parquet('{path}')
            WHERE line_item_line_item_type IN {KEPT_TYPES} GROUP BY ALL""").fetchall()
        vcpu, gpu, cost = con.execute(f"""
            SELECT sum(line_item_usage_amount * CAST(product['vcpu'] AS DOUBLE))
                       FILTER (WHERE line_item_usage_type LIKE '%BoxUsage:%'),
                   sum(line_item_usage_amount * g.gpus) FILTER (WHERE line_item_usage_type LIKE '%BoxUsage:%'),
                   sum(CASE line_item_line_item_type WHEN 'DiscountedUsage' THEN reservation_effective_cost
                            WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
                            ELSE line_item_unblended_cost END)
            FROM read_parquet('{path}') LEFT JOIN (VALUES {gpus}) g(itype, gpus) ON g.itype = product_instance_type
            WHERE line_item_line_item_type IN {KEPT_TYPES}""").fetchall()[0]
    return FileFigures(dict(by_payer), vcpu, gpu, cost)


# ------------------------------------------------------------------------------------------------
# Readers, and telling which store state an answer shows
# ------------------------------------------------------------------------------------------------


def close(a: object, b: object) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        # Parallel sums may differ in the last bits between runs on the same data.
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def report_signature(doc: dict) -> dict:
    """The parts of report.json that depend on the store: headline, trend, breakdowns, rows, freshness."""
    return {
        "totals": doc["summary"]["totals"],
        "previous": doc["summary"]["previous"],
        "trend": {row["month"]: row.get("total_kgco2e") for row in doc["trend"]},
        **{f"by {key}": {row[key]: row["total_kgco2e"] for row in doc["breakdowns"][key]}
           for key in ("account", "region", "service")},
        "rows": len(doc["rows"]),
        "row cost": sum(row["EffectiveCost"] for row in doc["rows"]),
        "freshness": doc["freshness"],
        "unknown rows": doc["data_quality"]["unknown_rows"],
    }


def footprint_signature(doc: dict) -> dict:
    return {row["month"]: {k: v for k, v in row.items() if k != "month"} for row in doc["rows"]}


def same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return close(a, b)


@dataclass
class Answer:
    kind: str  # report | footprint
    started: float
    ended: float
    code: int
    out: str
    err: str
    signature: dict | None = None


@dataclass
class Reader:
    kind: str
    process: subprocess.Popen[str]
    out_dir: Path
    started: float


def start_reader(db: Path, kind: str, out_dir: Path) -> Reader:
    args = (["report", "--month", MONTH, "--output", str(out_dir)] if kind == "report"
            else ["footprint", "--by", "month", "--format", "json"])
    return Reader(kind, cloudcarbon(db, *args), out_dir, time.monotonic())


def answer_of(reader: Reader) -> Answer:
    """Wait for a reader; a successful report must have written an HTML page and a parseable JSON."""
    code, out, err = finish(reader.process, timeout=300)
    answer = Answer(reader.kind, reader.started, time.monotonic(), code, out, err)
    if code == 0:
        assert "Traceback" not in err, err
        if reader.kind == "report":
            html = (reader.out_dir / f"report-{MONTH}.html").read_text(encoding="utf-8")
            assert html.lstrip().lower().startswith("<!doctype html") and MONTH in html and "<svg" in html
            answer.signature = report_signature(json.loads((reader.out_dir / f"report-{MONTH}.json").read_text()))
        else:
            answer.signature = footprint_signature(json.loads(out))
    return answer


def read_store(db: Path, kind: str, out_dir: Path) -> Answer:
    return answer_of(start_reader(db, kind, out_dir))


def holds_store(pid: int, db: Path) -> bool:
    """Whether process `pid` has a DuckDB file lock on `db` (Linux /proc/locks, e.g.
    `1: POSIX  ADVISORY  READ 4242 fe:00:2170945 0 EOF`; lines with `->` are waiting, not holding)."""
    inode = f":{db.stat().st_ino}"
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" not in fields and len(fields) > 5 and fields[4] == str(pid) and fields[5].endswith(inode):
            return True
    return False


class WatchedIngest(threading.Thread):
    """`cloudcarbon ingest aws FILE`, reaped by os.wait4 so that its end time and its own peak RSS
    (ru_maxrss, the kernel's high-water mark: no sampling can miss a peak) are exact."""

    def __init__(self, db: Path, export: Path, logs: Path) -> None:
        super().__init__(daemon=True)
        self.err_path = logs / "ingest.stderr"
        with open(logs / "ingest.stdout", "wb") as out, open(self.err_path, "wb") as err:
            # Output goes to files: nobody drains a pipe while the readers run.
            self.process = subprocess.Popen([*CLOUDCARBON, "--db", str(db), "ingest", "aws", str(export)],
                                            stdout=out, stderr=err)
        self.started = time.monotonic()
        self.ended: float | None = None
        self.code: int | None = None
        self.peak_rss = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def run(self) -> None:
        _, status, usage = os.wait4(self.process.pid, 0)
        self.peak_rss = usage.ru_maxrss * 1024  # KiB on Linux
        self.code = self.process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
        self.ended = time.monotonic()

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")


# ------------------------------------------------------------------------------------------------
# The test
# ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_and_footprint_beside_a_10m_line_ingest(tmp_path, record_property):
    timings: dict[str, float | int] = {}
    db = tmp_path / "store.duckdb"

    # 1. The export: 10M lines of November, and its first delivery (a sample of the same lines).
    started = time.perf_counter()
    export = write_month(tmp_path / "cur2-2026-11.parquet")
    timings["generate_s"] = time.perf_counter() - started
    first_delivery = write_month(tmp_path / "cur2-2026-11-first.parquet", f"n % {FIRST_DELIVERY_EVERY} = 0")
    expected = file_figures(export)
    assert sum(expected.kept_by_payer.values()) == ROWS * 18 // 20
    assert expected.gpu_hours > 0 and expected.vcpu_hours > ROWS  # instance hours dominate the month

    # 2. The store before: the demo's three months (2026-08..10) and November's first delivery.
    for args in (["demo"], ["ingest", "aws", str(first_delivery)]):
        code, out, err = finish(cloudcarbon(db, *args))
        assert code == 0, (args, out, err)
    state_before = period_state(db)
    before = {kind: read_store(db, kind, tmp_path / "report-before") for kind in ("report", "footprint")}
    for answer in before.values():
        assert answer.code == 0, (answer.kind, answer.err)

    # 3. The ingest, with readers beside it. DuckDB lets one process write, or any number read. A writer that
    # finds readers retries for writer_lock_wait() (5 s under the tests' CLOUDCARBON_LOCK_WAIT; announcing
    # itself, so that new readers are refused) and then fails "busy": a reader holding the store longer than
    # that would starve it. So this loop runs ONE reader at a time, each over the small "before" store (it
    # holds the store for about a second), and leaves READER_GAP_SECONDS of quiet before the next, which then
    # needs about a second of imports before it opens the store: the writer gets in well within its wait
    # even without readers deferring to it. The ingest stages its rows in a scratch store, so readers answer
    # from the old store until it moves them in; while it holds the store, readers fail at once.
    assert READER_GAP_SECONDS >= 0.5 and writer_lock_wait() >= 3 * READER_GAP_SECONDS
    # The first report already holds the store when the ingest starts: it must answer with the old state.
    first = start_reader(db, "report", tmp_path / "report-0")
    while not holds_store(first.process.pid, db):
        assert first.process.poll() is None, ("the first report ended before it held the store", finish(first.process))
        time.sleep(0.005)
    writer = WatchedIngest(db, export, tmp_path)
    writer.start()
    try:
        answers = [answer_of(first)]
        while writer.ended is None:
            time.sleep(READER_GAP_SECONDS)
            assert time.monotonic() - writer.started < GIVE_UP_SECONDS, "the ingest hangs"
            kind = ("report", "footprint")[len(answers) % 2]
            answers.append(read_store(db, kind, tmp_path / f"report-{len(answers)}"))
    finally:
        if writer.ended is None:  # a failed check above: do not leave the ingest running
            with suppress(ProcessLookupError):  # our own child, by its PID (unreaped, so not reused)
                os.kill(writer.pid, signal.SIGKILL)  # the watching thread reaps it
        writer.join()
    timings["ingest_s"] = writer.ended - writer.started
    timings["peak_rss_mib"] = writer.peak_rss / 2**20

    # 4. The ingest completed, unstarved, and kept every usage line of both payers.
    assert writer.code == 0, writer.stderr
    assert "busy" not in writer.stderr
    kept = sum(expected.kept_by_payer.values())
    assert f"{ROWS:,} rows read, {kept:,} kept ({ROWS - kept:,} not usage: " in writer.stderr, writer.stderr
    assert "2 period(s)" in writer.stderr, writer.stderr
    assert "no unknown instance types" in writer.stderr, writer.stderr
    assert 0 < writer.peak_rss < MAX_INGEST_RSS, writer.peak_rss

    # 5. Afterwards: the report holds the 10M-line month; its figures are the file's.
    started = time.perf_counter()
    after = {kind: read_store(db, kind, tmp_path / "report-after") for kind in ("report", "footprint")}
    timings["report_after_s"] = time.perf_counter() - started
    for answer in after.values():
        assert answer.code == 0, (answer.kind, answer.err)
    totals = after["report"].signature["totals"]
    assert totals["vcpu_hours"] == pytest.approx(expected.vcpu_hours, rel=1e-9)
    assert totals["gpu_hours"] == pytest.approx(expected.gpu_hours, rel=1e-9)
    assert totals["cost"] == pytest.approx(expected.cost, rel=1e-9)
    assert totals["total_kgco2e"] > 10 * before["report"].signature["totals"]["total_kgco2e"] > 0
    assert same(after["report"].signature["previous"], before["report"].signature["previous"])  # October as it was
    assert set(after["footprint"].signature) == {"2026-08", "2026-09", PREVIOUS, MONTH}
    assert set(after["report"].signature["by region"]) == {region for region, _ in REGIONS}
    assert set(after["report"].signature["by account"]) == {account for _, account, _ in ACCOUNTS}
    doctor_passes(db)
    state_after = period_state(db)
    for (payer, period), held in state_after.items():
        if period == MONTH:
            assert held[:2] == (expected.kept_by_payer[payer], 1), (payer, held)
        else:
            assert held == state_before[(payer, period)]
    assert state_after.keys() == state_before.keys()

    # 6. Every reader beside the ingest saw the store before or after it, never a mix, or was told it is busy.
    for kind in ("report", "footprint"):
        assert not same(before[kind].signature, after[kind].signature), kind  # the two states are told apart
    seen = {"before": 0, "after": 0, "busy": 0}
    for answer in answers:
        if answer.code != 0:
            line = one_line_from_process(answer.code, answer.err, "busy", "retry", str(db))
            # Readers run one at a time, so the only process that can hold the store is the ingest.
            assert f"process {writer.pid}" in line, line
            seen["busy"] += 1
            continue
        sides = [side for side, refs in (("before", before), ("after", after))
                 if same(answer.signature, refs[answer.kind].signature)]
        assert len(sides) == 1, (answer.kind, answer.signature)
        seen[sides[0]] += 1
    beside = [a for a in answers if a.started < writer.ended and a.ended > writer.started]
    assert {a.kind for a in beside} == {"report", "footprint"}  # both kinds ran while the ingest was running
    assert answers[0] in beside and answers[0].code == 0  # the report the ingest started beside answered...
    assert same(answers[0].signature, before["report"].signature)  # ...with the store as it was
    # The ingest stages its rows outside the store, so readers beside it kept answering from the old store.
    assert sum(a.code == 0 and a.ended < writer.ended for a in answers[1:]) > 0, seen
    gaps = [b.started - a.ended for a, b in pairwise(answers)]
    assert all(gap >= READER_GAP_SECONDS for gap in gaps), gaps

    timings["readers"] = len(answers)
    timings["readers_during_ingest"] = len(beside)
    timings["answered_during_ingest"] = sum(a.code == 0 for a in beside)
    timings.update({f"answers_{side}": n for side, n in seen.items()})
    for key, value in timings.items():
        record_property(key, value)
    print("\n10M-line load:", ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                        for k, v in timings.items()))
