"""`cloudcarbon ingest aws --athena`: run the CUR daily aggregate inside Athena, land only the aggregate.

There is one definition of the aggregate, aws/aggregate.sql, written in DuckDB SQL. The local
path runs it as is (`ingest aws --aggregate daily`); here sqlglot transpiles it to Trino and its $params
become Athena `?` placeholders bound through ExecutionParameters, so no value is ever spliced into SQL.
The Athena table's columns come from the Glue catalog (legacy CUR Athena tables have product attributes
as columns, CUR 2.0 tables a `product` map); the aggregate rows then go through aws_cur_normalize.sql
exactly like a file's rows.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

import duckdb

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.aws import formats, kinds, split, tag_sets
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.file_ingest import normalized, normalized_groups
from cloudcarbon.errors import CloudcarbonError, InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary, load
from cloudcarbon.periods import ALL_TIME, Window

if TYPE_CHECKING:
    import pyarrow

IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")  # Glue database and table names
PRODUCT_MAP_KEYS = {"product_vcpu": "vcpu", "product_region": "region"}
FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}


def as_cur_src(aggregate_sql: str) -> str:
    """The aggregate's rows as the `cur_src` relation aws/normalize.sql reads (no ids or tags:
    aggregated away). Parameter: $source_label, recorded as x_source_file."""
    return ("SELECT *, NULL::VARCHAR AS line_item_resource_id, NULL AS raw_tags, NULL::MAP(VARCHAR, VARCHAR) AS tags, "
            + "".join(f"NULL::VARCHAR AS {column}, " for column in split.COLUMNS)
            + f"$source_label AS source_file FROM ({aggregate_sql})")


def local_aggregate(lines_sql: str) -> str:
    """The aggregate over a file's `cur_lines` (formats.source_select), run by DuckDB."""
    return f"WITH cur_lines AS ({lines_sql}) {connector_sql(__package__, 'aggregate')}"


@cache
def trino_aggregate() -> tuple[str, tuple[str, ...]]:
    """The aggregate in Trino SQL with `?` placeholders, and the $param name each one binds, in order."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(connector_sql(__package__, "aggregate"), read="duckdb")
    names: list[str] = []
    # Depth-first pre-order visits placeholders in the order they appear in the text.
    for node in list(tree.find_all(exp.Placeholder, bfs=False)):
        names.append(node.name)
        node.replace(exp.Placeholder())
    return tree.sql(dialect="trino", comments=False), tuple(names)


def _literal(value: datetime | None) -> str:
    """An ExecutionParameters value: Athena parses each as a SQL literal of its own (not spliced text)."""
    return "NULL" if value is None else f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"


def _lines_select(database: str, table: str, columns: dict[str, str]) -> str:
    """Trino SELECT giving the Athena table's CUR columns their CUR 2.0 names (identifiers only)."""
    missing = [c for c in formats.REQUIRED if c not in columns]
    if missing:
        raise InputError(f"athena table {database}.{table}: required CUR column {missing[0]} is missing; "
                         "point --table at a CUR (legacy Athena integration or CUR 2.0) table")
    select = [f'"{c}" AS {c}' if c in columns else f"CAST(NULL AS VARCHAR) AS {c}"
              for c in (*formats.REQUIRED, *formats.OPTIONAL)]
    for name, key in PRODUCT_MAP_KEYS.items():
        if name in columns:
            select.append(f'"{name}" AS {name}')
        elif columns.get("product", "").startswith("map"):
            select.append(f"element_at(product, '{key}') AS {name}")
        else:
            select.append(f"CAST(NULL AS VARCHAR) AS {name}")
    return f'SELECT {", ".join(select)} FROM "{database}"."{table}"'


def athena_query(database: str, table: str, columns: dict[str, str], window: Window) -> tuple[str, list[str]]:
    """The full Athena QueryString and its ExecutionParameters for a billing-period window."""
    aggregate, names = trino_aggregate()
    values = {"since": window.since, "until": window.until}
    return (f"WITH cur_lines AS ({_lines_select(database, table, columns)}) {aggregate}",
            [_literal(values[name]) for name in names])


def _aws_error(what: str, error: Exception, profile: str | None) -> CloudcarbonError | None:
    from botocore.exceptions import ClientError

    from cloudcarbon.connectors.remote import s3_error

    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return InputError(f"{what}: {info.get('Code', 'error')}: {info.get('Message', '')}".rstrip(": "))
    return s3_error(what, error, profile)


def _table_columns(glue, database: str, table: str) -> dict[str, str]:
    try:
        described = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        raise InputError(f"athena table {database}.{table} does not exist in the Glue catalog; "
                         "check --database and --table") from None
    storage = described.get("StorageDescriptor", {}).get("Columns", [])
    return {c["Name"].lower(): c.get("Type", "").lower() for c in [*storage, *described.get("PartitionKeys", [])]}


def _run(athena, query: str, params: list[str], database: str, workgroup: str, output_location: str | None,
         poll_seconds: float) -> str:
    """Start the query, wait for it, and return its execution id (one-line error if it did not succeed)."""
    request = {"QueryString": query, "QueryExecutionContext": {"Database": database}, "WorkGroup": workgroup,
               "ExecutionParameters": params}
    if output_location:
        request["ResultConfiguration"] = {"OutputLocation": output_location}
    execution_id = athena.start_query_execution(**request)["QueryExecutionId"]
    delay = poll_seconds
    while True:
        status = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
        if status["State"] in FINISHED:
            break
        time.sleep(delay)
        delay = min(delay * 2, 5.0)
    if status["State"] != "SUCCEEDED":
        reason = (status.get("StateChangeReason") or "no reason given").splitlines()[0]
        raise InputError(f"athena query {execution_id} {status['State']}: {reason}; fix the table or workgroup "
                         "and run the ingest again")
    return execution_id


def _results(athena, execution_id: str) -> pyarrow.Table:
    """Athena's result pages as one table of text columns (the normalisation query casts them)."""
    import pyarrow as pa  # the aws extra's; the base install has no pyarrow

    header: list[str] = []
    rows: list[list[str | None]] = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id):
        names = [c["Name"] for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
        page_rows = [[cell.get("VarCharValue") for cell in r["Data"]] for r in page["ResultSet"]["Rows"]]
        if not header:
            header = names
            # The first page starts with the column names as a row.
            if page_rows and page_rows[0] == names:
                page_rows = page_rows[1:]
        rows.extend(page_rows)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    return pa.table({name: pa.array(list(values), pa.string()) for name, values in zip(header, columns, strict=True)})


def ingest_athena(
    con: duckdb.DuckDBPyConnection,
    *,
    database: str,
    table: str,
    workgroup: str,
    output_location: str | None = None,
    window: Window = ALL_TIME,
    profile: str | None = None,
    region: str | None = None,
    progress: bool | None = None,
    poll_seconds: float = 1.0,
) -> IngestSummary:
    """Aggregate the CUR table `database.table` in Athena and load the result (whole billing periods)."""
    for option, value in (("--database", database), ("--table", table)):
        if not IDENTIFIER.match(value):
            raise UsageError(f"{option} {value!r}: expected a Glue name (letters, digits, underscore)")
    try:
        import boto3
    except ImportError:
        raise CloudcarbonError("--athena needs the AWS extra: pip install 'cloudcarbon[aws]'") from None
    what = f"athena table {database}.{table}"
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        glue, athena = session.client("glue"), session.client("athena")
        query, params = athena_query(database, table, _table_columns(glue, database, table), window)
        result = _results(athena, _run(athena, query, params, database, workgroup, output_location, poll_seconds))
    except CloudcarbonError:
        raise
    except Exception as error:
        friendly = _aws_error(what, error, profile)
        if friendly is None:
            raise
        raise friendly from None
    missing = [c for c in ("line_items", *formats.REQUIRED) if c not in result.column_names]
    if missing:
        raise InputError(f"{what}: the Athena result lacks column {missing[0]}; it did not come from the "
                         "cloudcarbon aggregate")
    if result.num_rows == 0:
        raise InputError(f"{what}: no usage line items for {window.label()}; check --month/--since/--until")
    loader.register(con)
    split.prepare(con, [])  # the aggregate keeps no resource ids: no instance is split
    con.register("athena_aggregate", result)
    try:
        kinds.prepare(con, [(as_cur_src("SELECT * FROM athena_aggregate"), {"source_label": None})])
        tag_sets.prepare(con, [])  # the aggregate keeps no tags
        rows_read = con.execute("SELECT sum(CAST(line_items AS BIGINT)) FROM athena_aggregate").fetchall()[0][0]
        rows = as_cur_src("SELECT * FROM athena_aggregate")
        group_source = (*kinds.GROUP_SOURCE, *kinds.GROUP_ATTRIBUTES)  # an aggregate's few rows: read on each
        batch = Batch(normalized(__package__, "cur_src", rows, group_source),
                      {"source_label": f"athena://{database}.{table}"}, rows_read,
                      groups_sql=normalized_groups(__package__, "cur_src", rows, group_source, kinds.QUANTITY))
        return load(con, provider="AWS", source_format="cur-athena-aggregate", files=[f"athena://{database}.{table}"],
                    batches=[batch], progress=progress)
    finally:
        con.unregister("athena_aggregate")
