#!/usr/bin/env python
"""Benchmark cloudcarbon against the DuckDB floor on a generated CUR 2.0 file.

Usage:
    python benchmarks/run_benchmark.py --rows 10000000 [--workdir /tmp/ccbench] [--keep]

Steps, each in its own subprocess so that wall time, CPU time (user + system) and peak RSS are that step's
alone (read from os.wait4):
  generate   python -m tools.generate_cur, skipped when the workdir already holds the file
  floor      DuckDB `CREATE TABLE t AS SELECT * FROM read_parquet(file)` into a fresh database file (CTAS floor)
  read       DuckDB reading exactly the columns the connector's SQL names (the physical read limit)
  store      DuckDB storing exactly those columns, untransformed, into a fresh database file (what keeping every
             line costs before any work: a reference for the ingest's CPU / read target)
  ingest     `cloudcarbon --db fresh.duckdb ingest aws file` (the stored footprint included)
  footprint  `cloudcarbon footprint --by month,service,region,instance_type --format json`, three runs
  report, whatif, recommend-region   `--month` of --month (default the first month), output to a file
  trace      `cloudcarbon footprint --trace --format csv` of that month, to a file (its memory)
Prints a Markdown table and writes benchmarks/results.json. CPU time is the fair measure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent  # the generators run as `python -m tools.<name>` from here
RESULTS = HERE / "results.json"

# Targets of issue #17 (10M lines, 2 cores).
MAX_INGEST_READ_CPU = 3.0  # ingest CPU / CPU of reading the needed columns
MAX_INGEST_FLOOR = 1.0  # ingest wall time / CTAS floor wall time
MAX_RSS_MB = 1024.0  # every cloudcarbon step (the floor is DuckDB's own default: a reference, not a target)
MAX_FOOTPRINT_S = 0.5  # median footprint query
MAX_ANALYSIS_S = 10.0  # report, whatif, recommend-region

# The floor: what DuckDB alone needs to load the file into a database file.
FLOOR_CODE = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE t AS SELECT * FROM read_parquet($file)", {"file": sys.argv[1]})
con.close()
"""

# The physical read limit: DuckDB reading the columns the connector's SQL names, and nothing else.
READ_CODE = """
import sys, duckdb
columns = ", ".join(f'max(hash("{c}"))' for c in sys.argv[2].split(","))  # hash: every value decoded
duckdb.connect().execute(f"SELECT {columns} FROM read_parquet($file)", {"file": sys.argv[1]}).fetchall()
"""


SKIPPED = "skipped (--skip-floor)"


@dataclass
class Step:
    name: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    returncode: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_step(name: str, argv: list[str], log_dir: Path, cwd: Path | None = None) -> Step:
    """Run one command, returning its wall time and the child's own peak RSS (ru_maxrss, KiB on Linux)."""
    shown = " ".join("<script>" if "\n" in arg else arg for arg in argv)
    print(f"[{name}] {shown}", file=sys.stderr, flush=True)
    stderr_path = log_dir / f"{name}.stderr"
    with open(stderr_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        # os.wait4 reaps exactly this child and hands back its rusage; RUSAGE_CHILDREN deltas
        # would mix every child ever waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = code = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    error = "" if code == 0 else stderr_path.read_text(errors="replace").strip()[-2000:]
    cpu = usage.ru_utime + usage.ru_stime
    step = Step(name, round(seconds, 3), round(cpu, 3), round(usage.ru_maxrss / 1024, 1), code, error)
    print(f"[{name}] {step.seconds:.2f} s, {step.cpu_seconds:.2f} CPU-s, {step.peak_rss_mb:.0f} MB"
          + ("" if step.ok else f", exit {step.returncode}: {error.splitlines()[-1] if error else ''}"),
          file=sys.stderr, flush=True)
    return step


def fresh(path: Path) -> Path:
    """Remove a database file (and its WAL) so the step starts from nothing."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)
    return path


def find_cli(explicit: str | None) -> str:
    """The cloudcarbon entry point: --cloudcarbon, else beside this Python, else on PATH."""
    if explicit:
        return explicit
    beside = Path(sys.executable).with_name("cloudcarbon")
    if beside.exists():
        return str(beside)
    return shutil.which("cloudcarbon") or "cloudcarbon"

# Storing every line: DuckDB writing the needed columns as they are into a database file, nothing computed.
STORE_CODE = """
import sys, duckdb
columns = ", ".join(f'"{c}"' for c in sys.argv[3].split(","))
con = duckdb.connect(sys.argv[2])
con.execute(f"CREATE TABLE t AS SELECT {columns} FROM read_parquet($file)", {"file": sys.argv[1]})
con.close()
"""


def markdown_table(rows: list[tuple[str, Step]], floor: Step, read: Step) -> str:
    lines = ["| step | seconds | CPU seconds | peak RSS MB | CPU / read | time / floor |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, step in rows:
        comparable = step.name not in ("generate", "floor", "read") and step.ok
        per_read = f"{step.cpu_seconds / read.cpu_seconds:.2f}" if comparable and read.ok else "–"
        per_floor = f"{step.seconds / floor.seconds:.2f}" if comparable and floor.ok else "–"
        seconds = (f"{step.seconds:.2f}" if step.ok else "skipped" if step.error == SKIPPED
                   else f"failed (exit {step.returncode})")
        lines.append(f"| {label} | {seconds} | {step.cpu_seconds:.2f} | {step.peak_rss_mb:.0f} | {per_read} | "
                     f"{per_floor} |")
    return "\n".join(lines)


def _target(target: str, value: float | None, limit: float) -> dict:
    return {"target": target, "value": value, "met": None if value is None else value <= limit}


def check_targets(floor: Step, read: Step, ingest: Step, footprints: list[Step], analyses: list[Step],
                  trace: Step) -> dict[str, dict]:
    """Each target with its measured value and whether it is met (None when a step failed)."""
    good_fp = [s.seconds for s in footprints if s.ok]
    median_fp = statistics.median_low(good_fp) if good_fp else None
    per_read = ingest.cpu_seconds / read.cpu_seconds if read.ok and ingest.ok and read.cpu_seconds else None
    per_floor = ingest.seconds / floor.seconds if floor.ok and ingest.ok and floor.seconds else None
    measured = [s for s in [ingest, *footprints, *analyses, trace] if s.ok]
    peak = max((s.peak_rss_mb for s in measured), default=None)
    targets = {
        "ingest_cpu_vs_read": _target(f"<= {MAX_INGEST_READ_CPU}x the CPU of reading the needed columns", per_read,
                                      MAX_INGEST_READ_CPU),
        "ingest_vs_floor": _target(f"<= {MAX_INGEST_FLOOR}x the CTAS floor's time", per_floor, MAX_INGEST_FLOOR),
        "peak_rss_mb": _target(f"< {MAX_RSS_MB:.0f} MB (every cloudcarbon step)", peak, MAX_RSS_MB),
        "footprint_seconds": _target(f"< {MAX_FOOTPRINT_S} s (median of runs)", median_fp, MAX_FOOTPRINT_S),
    }
    for step in analyses:
        targets[f"{step.name}_seconds"] = _target(f"< {MAX_ANALYSIS_S} s", step.seconds if step.ok else None,
                                                  MAX_ANALYSIS_S)
    return targets


def needed_columns(file: Path, connector: str) -> list[str]:
    """The file's columns that the connector's SQL names: what an ingest must read at least."""
    sql = "\n".join(p.read_text() for p in (REPO / "connectors" / connector).glob("*.sql"))
    sql += (REPO / "connectors" / connector / "formats.py").read_text()
    with duckdb.connect() as con:
        names = [row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet($f)", {"f": str(file)}).fetchall()]
    return [name for name in names if name in sql]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python benchmarks/run_benchmark.py --rows 1000000 --keep")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ccbench"),
                        help="holds the generated file (reused across runs) and the databases")
    parser.add_argument("--keep", action="store_true", help="keep the databases and outputs in --workdir")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--months", default="2025-01,2025-02")
    parser.add_argument("--repeat", type=int, default=3, help="footprint runs")
    parser.add_argument("--cloudcarbon", help="path to the cloudcarbon CLI (default: beside this Python)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--skip-floor", action="store_true",
                        help="skip DuckDB's CTAS floor (it holds the whole file in memory: ~20 GB at 30M lines)")
    parser.add_argument("--month", help="the month report, whatif, recommend-region and trace analyse "
                                        "(default: the first of --months)")
    parser.add_argument("--focus", action="store_true",
                        help="benchmark `ingest focus` on the same line items as FOCUS 1.2 (tools/generate_focus.py)")
    args = parser.parse_args(argv)
    if args.focus and args.results == RESULTS:
        args.results = HERE / "results-focus.json"

    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    cur = work / f"cur2-{args.rows}-seed{args.seed}-{args.months.replace(',', '_')}.parquet"
    cli = find_cli(args.cloudcarbon)
    steps: list[Step] = []

    if cur.exists():
        print(f"[generate] reusing {cur}", file=sys.stderr)
    else:
        steps.append(run_step("generate", [sys.executable, "-m", "tools.generate_cur", "--rows", str(args.rows),
                                           "--out", str(cur), "--seed", str(args.seed), "--months", args.months],
                              work, cwd=REPO))
        if not steps[-1].ok:
            print(steps[-1].error, file=sys.stderr)
            return 1

    connector = "aws"
    if args.focus:  # the same line items as a FOCUS 1.2 export; the floor then reads that file
        focus = cur.with_name(cur.name.replace("cur2-", "focus12-"))
        if not focus.exists():
            steps.append(run_step("generate-focus", [sys.executable, "-m", "tools.generate_focus", "--from-cur",
                                                     str(cur), "--out", str(focus)], work, cwd=REPO))
        cur, connector = focus, "focus"

    floor_db, db = fresh(work / "floor.duckdb"), fresh(work / "cloudcarbon.duckdb")
    floor = (Step("floor", 0.0, 0.0, 0.0, -1, SKIPPED) if args.skip_floor
             else run_step("floor", [sys.executable, "-c", FLOOR_CODE, str(cur), str(floor_db)], work))
    fresh(floor_db)  # only its time and memory matter; free the disk before ingest
    needed = ",".join(needed_columns(cur, connector))
    read = run_step("read", [sys.executable, "-c", READ_CODE, str(cur), needed], work)
    store = run_step("store", [sys.executable, "-c", STORE_CODE, str(cur), str(floor_db), needed], work)
    fresh(floor_db)
    ingest = run_step("ingest", [cli, "--db", str(db), "ingest", connector, str(cur)], work)
    footprints = []
    for n in range(1, args.repeat + 1):
        out = work / f"footprint-{n}.json"
        footprints.append(run_step(f"footprint-{n}", [cli, "--db", str(db), "footprint", "--by",
                                                      "month,service,region,instance_type", "--format", "json",
                                                      "--output", str(out)], work))
        if not footprints[-1].ok:
            break  # a failing query fails the same way every time
    month = args.month or args.months.split(",")[0]
    analyses = [
        run_step("report", [cli, "--db", str(db), "report", "--month", month, "--output", str(work / "report")],
                 work),
        run_step("whatif", [cli, "--db", str(db), "whatif", "--month", month, "--format", "json", "--output",
                            str(work / "whatif.json")], work),
        run_step("recommend-region", [cli, "--db", str(db), "recommend-region", "--month", month, "--format", "json",
                                      "--output", str(work / "recommend.json")], work),
    ]
    trace = run_step("trace", [cli, "--db", str(db), "footprint", "--trace", "--month", month, "--format", "csv",
                               "--output", str(work / "trace.csv")], work)
    steps += [floor, read, store, ingest, *footprints, *analyses, trace]

    good_fp = sorted((s for s in footprints if s.ok), key=lambda s: s.seconds)
    table_rows = [(s.name, s) for s in steps if s.name in ("generate", "floor", "read", "store", "ingest")]
    if good_fp:
        # median_low: with an even number of runs the median is still one real run
        best, median = good_fp[0], good_fp[(len(good_fp) - 1) // 2]
        table_rows += [("footprint (best)", best), ("footprint (median)", median)]
    else:
        table_rows += [(s.name, s) for s in footprints]
    table_rows += [(s.name, s) for s in [*analyses, trace]]
    targets = check_targets(floor, read, ingest, footprints, analyses, trace)

    print(f"\n{args.rows:,} rows, {cur.stat().st_size / 1e6:.0f} MB Parquet, {os.cpu_count()} CPUs\n")
    print(markdown_table(table_rows, floor, read))
    print("\nTargets:")
    for name, t in targets.items():
        verdict = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        value = "–" if t["value"] is None else f"{t['value']:.2f}"
        print(f"- {name}: {t['target']}: {value} ({verdict})")

    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "file": cur.name,
        "file_mb": round(cur.stat().st_size / 1e6, 1),
        "seed": args.seed,
        "months": args.months,
        "month": month,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__},
        "steps": [asdict(s) for s in steps],
        "footprint_best_s": good_fp[0].seconds if good_fp else None,
        "footprint_median_s": statistics.median_low(s.seconds for s in good_fp) if good_fp else None,
        "targets": targets,
    }
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.results}", file=sys.stderr)

    if not args.keep:
        fresh(db)
        outputs = ("footprint-*.json", "*.stderr", "whatif.json", "recommend.json", "trace.csv")
        for path in [p for pattern in outputs for p in work.glob(pattern)]:
            path.unlink()
        shutil.rmtree(work / "report", ignore_errors=True)  # report --output is a folder
    return 0 if all(s.ok for s in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
