"""Command line: python -m tools.generate_cur (run from the repository root)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tools.generate_cur import DEFAULT_INSTANCES, DEMO_MONTHS, DEMO_OUT, generate, parse_months
from tools.generate_cur import __doc__ as DOC


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DOC.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python -m tools.generate_cur --rows 100000 "
                                            "--out /tmp/cur.parquet --months 2025-01,2025-02 --seed 42")
    parser.add_argument("--rows", type=int, default=100_000, help="number of line items (random mode)")
    parser.add_argument("--out", type=Path, help="output file (.parquet, .csv or .csv.gz)")
    parser.add_argument("--months", default="2025-01,2025-02", help="billing periods, YYYY-MM,YYYY-MM")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--granularity", choices=["hourly", "daily"], default="hourly")
    parser.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES,
                        help="instance table (provider, instance_type, family, vcpus, memory_gib, gpu_model, "
                             "gpu_count)")
    parser.add_argument("--demo", action="store_true",
                        help=f"write the bundled demo company ({', '.join(DEMO_MONTHS)}, daily) instead")
    args = parser.parse_args(argv)
    if args.demo:
        out, months, granularity = args.out or DEMO_OUT, DEMO_MONTHS, "daily"
    else:
        if args.out is None or args.rows <= 0:
            parser.error("--out and a positive --rows are required (or --demo)")
        out, months, granularity = args.out, args.months.split(","), args.granularity
    started = time.perf_counter()
    generate(args.rows, out, parse_months(",".join(months)), args.seed, args.format, granularity,
             args.instances, demo=args.demo)
    size_mb = out.stat().st_size / 1e6
    print(f"wrote {out} ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
