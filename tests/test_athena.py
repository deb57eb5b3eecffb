"""`ingest aws --athena`: the daily aggregate (aws/aggregate.sql) runs in Athena and gives the
same footprint as the local path on the same CUR data.

moto's Athena does not execute SQL: its results are injected through moto's API. We inject exactly the
rows DuckDB produces when it runs the same aggregate over the same CUR file, which is what Athena running
the transpiled query returns. Glue (moto) holds the table's schema, as the AWS Glue catalog does for Athena.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import fingerprint, one_line_error, usage_error
from curfiles import item, write_cur

boto3 = pytest.importorskip("boto3")
sqlglot = pytest.importorskip("sqlglot")
requests = pytest.importorskip("requests")
mock_aws = pytest.importorskip("moto").mock_aws

from cloudcarbon.connectors.aws import athena, formats  # noqa: E402

DATABASE, TABLE, WORKGROUP = "cur", "cur_report", "primary"
PAYER = "012345678901"


def lines() -> list[dict]:
    """Two months of mixed usage: instances (on demand, Savings Plan, spot, RDS Multi-AZ), storage, transfer,
    a fee line the aggregate must drop, several lines per day so aggregation really merges rows."""
    out = []
    for period, day in (("2025-01", "2025-01-0"), ("2025-02", "2025-02-1")):
        for hour in range(3):
            start = f"{day}{hour + 1}T0{hour}:00:00Z"
            end = f"{day}{hour + 1}T0{hour + 1}:00:00Z"
            common = {"period": period, "start": start, "end": end}
            out += [
                item(**common, resource_id=f"i-a{hour}"),
                item(**common, resource_id=f"i-b{hour}", usage_type="USW2-BoxUsage:c5.xlarge",
                     instance_type="c5.xlarge", region="us-west-2", az="us-west-2a", vcpu="4", cost=0.17),
                item(**common, line_type="SavingsPlanCoveredUsage", usage_type="BoxUsage:p4d.24xlarge",
                     instance_type="p4d.24xlarge", vcpu="96", cost=32.77, sp_cost=20.0, resource_id="i-p"),
                item(**common, product_code="AmazonRDS", usage_type="EUC1-Multi-AZUsage:db.r5.large",
                     operation="CreateDBInstance:0002", instance_type="db.r5.large", region="eu-central-1",
                     az="eu-central-1a", vcpu="2", cost=0.5, resource_id="db-1"),
                item(**common, usage_type="EBS:VolumeUsage.gp3", unit="GB-Mo", amount=3.2, instance_type=None,
                     vcpu=None, cost=0.25, resource_id="vol-1"),
                item(**common, usage_type="DataTransfer-Out-Bytes", unit="GB", amount=12.0, instance_type=None,
                     vcpu=None, cost=1.08, resource_id=None),
                item(**common, line_type="SavingsPlanNegation", usage_type="BoxUsage:p4d.24xlarge",
                     instance_type="p4d.24xlarge", cost=-32.77),
            ]
    return out


@pytest.fixture
def cur_file(tmp_path: Path) -> Path:
    return write_cur(tmp_path / "cur.parquet", lines())


def duckdb_aggregate(cur: Path) -> tuple[list[str], list[list[str | None]]]:
    """What Athena would return: the aggregate run by DuckDB over the file, every value as text."""
    con = duckdb.connect()
    detected = [formats.detect(con, str(cur), cur.stat().st_size)]
    sql = athena.local_aggregate(formats.source_select(detected))
    relation = con.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({sql}) ORDER BY ALL",
                           {"files": [str(cur)], "since": None, "until": None})
    header = [d[0] for d in relation.description]
    return header, [list(r) for r in relation.fetchall()]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "athena-secret-do-not-print")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with mock_aws():
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_database(DatabaseInput={"Name": DATABASE})
        boto3.client("athena", region_name="us-east-1").create_work_group(Name="reports")
        yield glue


def create_table(glue, cur: Path) -> None:
    """The CUR 2.0 table as a Glue crawler would catalogue it (product as a map)."""
    with duckdb.connect() as con:
        columns = con.execute("DESCRIBE SELECT * FROM read_parquet($f)", {"f": str(cur)}).fetchall()
    glue_type = {"VARCHAR": "string", "DOUBLE": "double"}
    glue.create_table(DatabaseName=DATABASE, TableInput={"Name": TABLE, "StorageDescriptor": {"Columns": [
        {"Name": name, "Type": glue_type.get(kind, "map<string,string>" if kind.startswith("MAP") else "string")}
        for name, kind, *_ in columns]}})


def inject(header: list[str], rows: list[list[str | None]]) -> None:
    """Queue one Athena result set in moto (header row first, as Athena returns it)."""
    as_row = lambda values: {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}  # noqa: E731
    body = {"results": [{"rows": [as_row(header), *map(as_row, rows)],
                         "column_info": [{"Name": n, "Type": "varchar"} for n in header]}]}
    requests.post("http://motoapi.amazonaws.com/moto-api/static/athena/query-results", json=body).raise_for_status()


def started_queries() -> list[dict]:
    client = boto3.client("athena", region_name="us-east-1")
    ids = client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    return [client.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]


def footprint(run) -> dict:
    rows = json.loads(run("footprint", "--by", "month,service,region,instance_type", "--format", "json").stdout)
    return {(r["month"], r["service"], r["region"], r["instance_type"]): r for r in rows["rows"]}


ATHENA = ("ingest", "aws", "--athena", "--database", DATABASE, "--table", TABLE, "--workgroup", WORKGROUP,
          "--region", "us-east-1")


def assert_same_footprint(left: dict, right: dict) -> None:
    assert left.keys() == right.keys() and left
    for key, row in left.items():
        for field in ("vcpu_hours", "gpu_hours", "energy_kwh", "total_kgco2e", "total_kgco2e_high", "cost"):
            assert row[field] == pytest.approx(right[key][field], rel=1e-9, abs=1e-12), (key, field)


def test_athena_gives_the_same_footprint_as_the_local_path(aws, run, tmp_path, cur_file):
    create_table(aws, cur_file)
    header, rows = duckdb_aggregate(cur_file)
    assert len(rows) < len(lines())  # the aggregate merged lines
    inject(header, rows)
    result = run(*ATHENA, "--output-location", "s3://results/athena/")
    assert "cur-athena-aggregate" in result.stderr and "2 period(s)" in result.stderr
    pushed = footprint(run)

    local = tmp_path / "local.duckdb"
    run("--db", str(local), "ingest", "aws", str(cur_file))
    local_fp = json.loads(run("--db", str(local), "footprint", "--by", "month,service,region,instance_type",
                              "--format", "json").stdout)["rows"]
    assert_same_footprint(pushed, {(r["month"], r["service"], r["region"], r["instance_type"]): r for r in local_fp})
    assert pushed[("2025-01", "AmazonEC2", "us-east-1", "p4d.24xlarge")]["gpu_hours"] == pytest.approx(24.0)

    # The local daily aggregate is the same query, so it lands the same footprint too.
    daily = tmp_path / "daily.duckdb"
    run("--db", str(daily), "ingest", "aws", "--aggregate", "daily", str(cur_file))
    daily_fp = json.loads(run("--db", str(daily), "footprint", "--by", "month,service,region,instance_type",
                              "--format", "json").stdout)["rows"]
    assert_same_footprint(pushed, {(r["month"], r["service"], r["region"], r["instance_type"]): r for r in daily_fp})


def test_query_is_trino_and_values_travel_as_execution_parameters(aws, run, cur_file):
    create_table(aws, cur_file)
    inject(*duckdb_aggregate(cur_file))
    run(*ATHENA, "--month", "2025-01")
    (started,) = started_queries()
    query = started["Query"]
    sqlglot.parse_one(query, read="trino")  # raises on anything Trino cannot parse
    assert query.count("?") == 4
    assert started["ExecutionParameters"] == ["TIMESTAMP '2025-01-01 00:00:00'"] * 2 + \
        ["TIMESTAMP '2025-02-01 00:00:00'"] * 2
    for value in ("2025", PAYER, "us-east-1"):
        assert value not in query
    assert started["QueryExecutionContext"]["Database"] == DATABASE and started["WorkGroup"] == WORKGROUP
    assert "element_at(product, 'vcpu')" in query  # CUR 2.0 table: vCPUs from the product map


def test_missing_table_is_one_line_and_changes_nothing(aws, run, db, cur_file):
    create_table(aws, cur_file)
    inject(*duckdb_aggregate(cur_file))
    run(*ATHENA)
    before = fingerprint(db)
    args = list(ATHENA)
    args[args.index(TABLE)] = "no_such_table"
    line = one_line_error(run(*args, expect=None), "cur.no_such_table", "does not exist", "--table")
    assert "athena-secret" not in line
    assert fingerprint(db) == before


def test_failed_query_is_one_line_and_changes_nothing(aws, run, db, cur_file, monkeypatch):
    create_table(aws, cur_file)
    run("ingest", "aws", str(cur_file))
    before = fingerprint(db)
    real_client = boto3.Session.client

    def client(self, name, *args, **kwargs):
        made = real_client(self, name, *args, **kwargs)
        if name == "athena":  # Athena's answer when the query fails (moto's executions always succeed)
            def failed(parsed, **_):
                parsed["QueryExecution"]["Status"] = {
                    "State": "FAILED", "StateChangeReason": "HIVE_BAD_DATA: Error parsing field value\nmore"}
            made.meta.events.register("after-call.athena.GetQueryExecution", failed)
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    line = one_line_error(run(*ATHENA, expect=None), "FAILED", "HIVE_BAD_DATA")
    assert "more" not in line
    assert fingerprint(db) == before


def test_empty_result_and_usage_errors(aws, run, db, cur_file):
    create_table(aws, cur_file)
    inject(*duckdb_aggregate(cur_file)[:1], [])
    one_line_error(run(*ATHENA, "--month", "2031-01", expect=None), "no usage line items", "2031-01-01")
    assert run("ingest", "aws", "--athena", "--database", DATABASE, expect=2).exit_code == 2
    assert run("ingest", "aws", "--month", "2025-01", str(cur_file), expect=2).exit_code == 2
    line = usage_error(run("ingest", "aws", "--athena", "--database", "cur;drop", "--table", TABLE,
                           "--workgroup", WORKGROUP, expect=None), "--database")
    assert "Glue name" in line
