"""Times in exports are UTC whatever the machine's zone: a time without an offset (CUR Parquet's plain timestamps,
text without a zone) is UTC, one with an offset is that instant, and the store holds UTC. DuckDB would read them in
the machine's zone (TZ), shifting midnight UTC into the previous day, even the previous month, west of Greenwich.
Each ingest runs as a subprocess, so that DuckDB starts in the zone given."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from curfiles import item, write_cur
from faulthelpers import cloudcarbon, finish
from test_focus import row as focus_row
from test_focus import write_focus

ZONES = ("America/Los_Angeles", "Asia/Kolkata", "UTC")


def _ingest(db: Path, zone: str, connector: str, export: Path) -> None:
    code, out, err = finish(cloudcarbon(db, "ingest", connector, str(export), env={**os.environ, "TZ": zone}))
    assert code == 0, (out, err)


def _stored(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT charge_period_start, charge_period_end, billing_period_start FROM usage "
                           "ORDER BY ALL").fetchall()


def _plain_timestamps(path: Path) -> Path:
    """The CUR file with its three date columns as Parquet timestamps without a zone (as AWS writes CUR 2.0)."""
    table = pq.read_table(path)
    for column in ("line_item_usage_start_date", "line_item_usage_end_date", "bill_billing_period_start_date"):
        index = table.schema.get_field_index(column)
        values = pa.array([datetime.fromisoformat(v.replace("Z", "")) for v in table.column(column).to_pylist()],
                          pa.timestamp("us"))
        table = table.set_column(index, column, values)
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize("zone", ZONES)
def test_cur_parquet_plain_timestamps_are_utc(tmp_path: Path, db: Path, zone: str) -> None:
    # Midnight of the first of the month: one hour west of UTC it would fall in the previous billing period.
    export = _plain_timestamps(write_cur(tmp_path / "cur.parquet", [
        item(start="2025-03-01T00:00:00Z", end="2025-03-01T01:00:00Z", period="2025-03")]))
    assert pq.read_schema(export).field("line_item_usage_start_date").type == pa.timestamp("us")
    _ingest(db, zone, "aws", export)
    assert _stored(db) == [(datetime(2025, 3, 1, 0), datetime(2025, 3, 1, 1), datetime(2025, 3, 1).date())]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("start", ["2025-03-01T00:00:00Z", "2025-03-01T05:30:00+05:30", "2025-03-01 00:00:00"])
def test_focus_text_times_are_utc(tmp_path: Path, db: Path, zone: str, start: str) -> None:
    # Every spelling names midnight UTC: Z, an offset, or no zone at all (then UTC).
    export = write_focus(tmp_path / "focus.csv", [focus_row(
        ChargePeriodStart=start, ChargePeriodEnd="2025-03-01T01:00:00Z",
        BillingPeriodStart="2025-03-01T00:00:00Z", BillingPeriodEnd="2025-04-01T00:00:00Z")])
    _ingest(db, zone, "focus", export)
    assert _stored(db) == [(datetime(2025, 3, 1, 0), datetime(2025, 3, 1, 1), datetime(2025, 3, 1).date())]
