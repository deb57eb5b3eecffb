"""Dates outside 2000-01-01..2099-12-31 are refused at ingest (METHODOLOGY.md, "Data rules"), by every
connector, in one line naming the file, the line and the column, and the store is unchanged. A billing
period in year 9999 used to ingest and then crash `report --month 9999-12`."""

from __future__ import annotations

from pathlib import Path

import pytest
from azurefiles import vm, write_export
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from gcpfiles import row as gcp_row
from gcpfiles import write_csv as gcp_csv
from gcpfiles import write_jsonl as gcp_jsonl
from gcpfiles import write_parquet as gcp_parquet
from test_focus import row as focus_row
from test_focus import write_focus
from test_onprem import write_inventory


def aws(period: str, start: str, end: str) -> dict:
    return item(period=period, start=start, end=end)


def gcp(invoice: str, start: str, end: str) -> dict:
    return gcp_row(invoice={"month": invoice}, usage_start_time=start, usage_end_time=end)


def azure(period_start: str, day: str) -> dict:
    return vm("Standard_D4s_v3", 24, BillingPeriodStartDate=period_start, Date=day)


def focus(period: str, start: str, end: str) -> dict:
    year, month = map(int, period.split("-"))
    return focus_row(BillingPeriodStart=f"{period}-01T00:00:00Z",
                     BillingPeriodEnd=f"{year + (month == 12)}-{month % 12 + 1:02d}-01T00:00:00Z",
                     ChargePeriodStart=start, ChargePeriodEnd=end)


def onprem(month: str) -> dict:
    return {"server": "web-01", "month": month, "hours": "1", "location": "DE", "vcpus": "4"}


# (id, connector, file name, writer, the line, what the error line must name)
OUTSIDE = [
    ("aws-parquet-9999", "aws", "cur.parquet", write_cur,
     aws("9999-12", "9999-12-01T00:00:00Z", "9999-12-01T01:00:00Z"), ["bill_billing_period_start_date 9999-12-01"]),
    ("aws-csv-1999", "aws", "cur.csv", lambda p, r: write_cur(p, r, "legacy"),
     aws("1999-12", "1999-12-01T00:00:00Z", "1999-12-01T01:00:00Z"), ["bill_billing_period_start_date 1999-12-01"]),
    ("aws-end-2100", "aws", "cur.parquet", write_cur,
     aws("2099-12", "2099-12-31T23:00:00Z", "2100-01-01T01:00:00Z"), ["line_item_usage_end_date 2100-01-01T01:00:00Z"]),
    ("gcp-csv-9999", "gcp", "billing.csv", gcp_csv,
     gcp("999912", "9999-12-15 10:00:00 UTC", "9999-12-15 11:00:00 UTC"), ["invoice.month 999912"]),
    ("gcp-jsonl-1999", "gcp", "billing.jsonl", gcp_jsonl,
     gcp("199912", "1999-12-15 10:00:00 UTC", "1999-12-15 11:00:00 UTC"), ["invoice.month 199912"]),
    ("gcp-parquet-usage-2100", "gcp", "billing.parquet", gcp_parquet,
     gcp("209912", "2100-01-15 10:00:00 UTC", "2100-01-15 11:00:00 UTC"), ["usage_start_time 2100-01-15T10:00:00Z"]),
    ("azure-csv-9999", "azure", "costs.csv", write_export,
     azure("12/01/9999", "12/05/9999"), ["BillingPeriodStartDate 9999-12-01"]),
    ("azure-parquet-date-2100", "azure", "costs.parquet", write_export,
     azure("12/01/2099", "01/05/2100"), ["Date 2100-01-05"]),
    ("azure-csv-1999", "azure", "costs.csv", write_export,
     azure("12/01/1999", "12/05/1999"), ["BillingPeriodStartDate 1999-12-01"]),
    ("focus-csv-9999", "focus", "focus.csv", write_focus,
     focus("9999-12", "9999-12-02T00:00:00Z", "9999-12-02T01:00:00Z"), ["BillingPeriodStart 9999-12-01"]),
    ("focus-parquet-charge-2100", "focus", "focus.parquet", write_focus,
     focus("2099-12", "2100-01-02T00:00:00Z", "2100-01-02T01:00:00Z"), ["ChargePeriodStart 2100-01-02T00:00:00Z"]),
    ("focus-csv-1999", "focus", "focus.csv", write_focus,
     focus("1999-12", "1999-12-02T00:00:00Z", "1999-12-02T01:00:00Z"), ["BillingPeriodStart 1999-12-01"]),
    ("onprem-9999", "onprem", "servers.csv", write_inventory, onprem("9999-12"),
     ["data row 1, column month: '9999-12'"]),
    ("onprem-1999", "onprem", "servers.csv", write_inventory, onprem("1999-12"),
     ["data row 1, column month: '1999-12'"]),
]


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    """A store holding a month already, so 'unchanged' is a real claim; returns its fingerprint."""
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    return fingerprint(db)


def write(writer, path: Path, line: dict) -> Path:
    if writer is write_inventory:
        return write_inventory(path, [line], columns=list(line))
    return writer(path, [line])


@pytest.mark.parametrize(("name", "connector", "file", "writer", "line", "names"), OUTSIDE, ids=[o[0] for o in OUTSIDE])
def test_a_date_outside_the_window_is_refused_in_one_line(tmp_path, seeded, run, db, name, connector, file, writer,
                                                          line, names):
    path = write(writer, tmp_path / file, line)
    result = run("ingest", connector, str(path), expect=None)
    one_line_error(result, str(path), *names, "outside 2000-01-01..2099-12-31")
    assert fingerprint(db) == seeded


# The first and last months of the window ingest, including a line that ends at the window's (exclusive) end.
INSIDE = [
    ("aws", "cur.parquet", write_cur, [aws("2000-01", "2000-01-01T00:00:00Z", "2000-01-01T01:00:00Z"),
                                       aws("2099-12", "2099-12-31T23:00:00Z", "2100-01-01T00:00:00Z")]),
    ("gcp", "billing.jsonl", gcp_jsonl, [gcp("200001", "2000-01-01 00:00:00 UTC", "2000-01-01 01:00:00 UTC"),
                                         gcp("209912", "2099-12-31 23:00:00 UTC", "2100-01-01 00:00:00 UTC")]),
    ("azure", "costs.csv", write_export, [azure("01/01/2000", "01/01/2000"), azure("12/01/2099", "12/31/2099")]),
    ("focus", "focus.csv", write_focus, [focus("2000-01", "2000-01-01T00:00:00Z", "2000-01-01T01:00:00Z"),
                                         focus("2099-12", "2099-12-31T23:00:00Z", "2100-01-01T00:00:00Z")]),
]


@pytest.mark.parametrize(("connector", "file", "writer", "lines"), INSIDE, ids=[i[0] for i in INSIDE])
def test_the_first_and_last_months_of_the_window_ingest(tmp_path, run, connector, file, writer, lines):
    result = run("ingest", connector, str(writer(tmp_path / file, lines)))
    assert "2 kept" in result.stderr and "2000-01" in result.stderr and "2099-12" in result.stderr, result.stderr


def test_onprem_first_and_last_months_ingest(tmp_path, run):
    path = write_inventory(tmp_path / "servers.csv", [onprem("2000-01"), onprem("2099-12")], columns=list(onprem("x")))
    result = run("ingest", "onprem", str(path))
    assert "2 kept" in result.stderr, result.stderr
