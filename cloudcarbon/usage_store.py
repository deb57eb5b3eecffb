"""Write usage rows into the keyed tables behind the `usage` view (queries/migrations/0011_keyed_usage.sql and
0012_quantities_per_unit.sql).

A connector's SELECT yields rows with `usage`'s columns (any subset: the rest are NULL). Each line is stored as
its numbers and three 64-bit keys, hashes of its group, resource and tag set; the distinct groups, resources and
tag sets are stored once each. The quantities a connector derives from the consumed quantity (DERIVED) are stored
with the group, per unit of it: the view multiplies them back. A key found twice with different text (a hash
collision: about 3 chances in 100 million for a million keys) stops the write: joining a line to the wrong group
would misstate it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from cloudcarbon.errors import CloudcarbonError

# The quantities every connector derives as the consumed quantity times what the line's group decides: usage_group
# holds each per unit of consumed quantity, in the column PER_UNIT names.
DERIVED = ("x_instance_hours", "x_vcpu_hours", "x_gpu_hours", "x_memory_gib_hours", "x_storage_gib_hours",
           "x_network_gb")
PER_UNIT = {quantity: f"{quantity}_per_unit" for quantity in DERIVED}
# Each dimension: its table, key column and columns, in the order of the migration's hash().
DIMENSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "usage_group": ("group_key", (
        "billing_period_start", "provider_name", "billing_account_id", "sub_account_id", "sub_account_name",
        "region_id", "availability_zone", "service_name", "charge_category", "pricing_category", "consumed_unit",
        "billing_currency", "x_line_item_type", "x_usage_type", "x_operation", "x_usage_kind", "x_instance_type",
        "x_storage_media", "x_source_file", "x_ingest_id", "x_storage_class", "x_pue", "x_server",
        *PER_UNIT.values())),
    "usage_resource": ("resource_key", ("resource_id", "x_resource_name")),
    "usage_tags": ("tags_key", ("tags",)),
}
# Lines counted per group: what a count of usage by its groups' columns reads (the view would join every line).
LINES_PER_GROUP = "SELECT group_key, count(*) AS lines FROM usage_line GROUP BY group_key"
# And their effective cost, signed and absolute: what an ingest logs and weighs its unknown types by.
GROUP_TOTALS = ("SELECT group_key, count(*) AS lines, sum(effective_cost) AS cost, "
                "sum(abs(effective_cost)) AS abs_cost FROM usage_line GROUP BY group_key")
# The line's own columns after its keys.
LINE_COLUMNS = (
    "billing_period_start", "charge_period_start", "charge_period_end", "consumed_quantity", "billed_cost",
    "effective_cost", "x_row_fingerprint",
)


# DuckDB hashes a NULL map or struct as it hashes an empty map or a struct of NULLs: the key says which it is.
NULL_TELLS = {"usage_group": ("x_server IS NULL",), "usage_tags": ("tags IS NULL",)}


def key_sql(table: str) -> str:
    """The hash that keys a row of dimension `table`, over usage's column names."""
    return f"hash({', '.join((*DIMENSIONS[table][1], *NULL_TELLS.get(table, ())))})"


def per_unit_sql(quantity: str) -> str:
    """Derived `quantity` per unit of the row's consumed quantity: zero where the quantity is zero; a quantity derived
    from no consumed quantity (NULL or zero) stops the write, as it cannot be held per unit (a connector's mistake,
    never the export's). Lines of one group whose ratios differ in the last bit of a double (a GCP byte-second over
    3600 and 2**30) are stored as two groups: each line's quantity is then its own to the last bit."""
    return f"""CASE WHEN {quantity} IS NULL THEN NULL
        WHEN {quantity} = 0 AND consumed_quantity IS NOT NULL THEN 0
        WHEN consumed_quantity <> 0 THEN {quantity} / consumed_quantity
        ELSE error('a usage row gives {quantity} without a consumed quantity: nothing was stored; please report '
                   'this at the cloudcarbon issue tracker')
    END"""


def _usage_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'usage' "
        "AND table_schema = 'main' AND table_catalog = current_database() ORDER BY ordinal_position").fetchall())


def _given(con: duckdb.DuckDBPyConnection, select_sql: str, params: Mapping[str, Any]) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {select_sql}", params).fetchall()}


def _full_rows_sql(con: duckdb.DuckDBPyConnection, select_sql: str, params: Mapping[str, Any], *extra: str,
                   given: set[str] | None = None) -> str:
    """`select_sql` with every usage column, cast to its type (what INSERT BY NAME did): absent ones are NULL; the
    `extra` columns as they are; and each DERIVED quantity per unit. `given`: its columns, where the caller knows
    them."""
    given = given if given is not None else _given(con, select_sql, params)
    columns = ", ".join([
        *(f'CAST({name if name in given else "NULL"} AS {kind}) AS {name}' for name, kind in _usage_types(con).items()),
        *extra,
    ])
    per_unit = ", ".join(f"{per_unit_sql(quantity)} AS {column}" for quantity, column in PER_UNIT.items())
    return f"SELECT *, {per_unit} FROM (SELECT {columns} FROM ({select_sql}))"


def write_usage(con: duckdb.DuckDBPyConnection, select_sql: str, params: Mapping[str, Any] | None = None,
                groups_sql: str | None = None, keys_sql: str | None = None) -> int:
    """Store the rows of `select_sql` (usage's column names) and return how many lines were written. Runs in the
    caller's transaction: the lines go first, so a row that breaks a data rule stops it before any key is kept.

    From a connector that declares what decides them in its export (connectors/file_ingest.py, group_source and
    key_source): `groups_sql`, the usage groups of the rows, one row or more per group, each with the
    `group_source_key` that `select_sql` gives its lines too, so that the lines need no group text; `keys_sql`,
    rows holding every resource and tag set of the lines. Either is found among a few thousand rows instead of
    every line; without it, among the lines. A `tags_key` column of `select_sql`, each row's key_sql('usage_tags')
    (the macro tags_key), spares hashing every line's tags where the connector looked its tag sets up once each."""
    params = dict(params or {})
    group_key = "group_source_key" if groups_sql else key_sql("usage_group")
    given = _given(con, select_sql, params)
    tags_key = "tags_key" if "tags_key" in given else key_sql("usage_tags")
    rows = _full_rows_sql(con, select_sql, params, *(["group_source_key"] if groups_sql else []),
                          *(["tags_key"] if tags_key == "tags_key" else []), given=given)
    written = con.execute(
        f"""
        INSERT INTO usage_line
        SELECT {group_key}, {key_sql("usage_resource")}, {tags_key}, {", ".join(LINE_COLUMNS)}
        FROM ({rows})
        """,
        params,
    ).fetchall()[0][0]
    # Each dimension from its source (one pass per source: each pass normalises its rows again), keyed as its lines.
    passes: dict[str, list[tuple[str, str]]] = {}
    for table in DIMENSIONS:
        given = groups_sql if table == "usage_group" else keys_sql
        source = _full_rows_sql(con, given, params, "group_source_key") if given else rows
        passes.setdefault(source, []).append((table, group_key if table == "usage_group" else key_sql(table)))
    for source, tables in passes.items():
        _add_distinct_keys(con, source, tables, params)
    if unmatched := sum(unmatched_lines(con).values()):
        raise CloudcarbonError(
            f"{unmatched} usage line(s) name a group, resource or tag set that was not found for them: nothing was "
            "stored; please report this at the cloudcarbon issue tracker with the export's shape (not its contents)")
    return written


def _add_distinct_keys(con: duckdb.DuckDBPyConnection, source: str, tables: list[tuple[str, str]],
                       params: Mapping[str, Any]) -> None:
    """Add the distinct rows of `source` to each (dimension table, expression of its key over `source`)."""
    columns = ", ".join(f"{expression} AS {DIMENSIONS[table][0]}, {', '.join(DIMENSIONS[table][1])}"
                        for table, expression in tables)
    if len(tables) == 1:  # its distinct rows are the table's: no second DISTINCT over them
        add_keys(con, tables[0][0], f"SELECT DISTINCT {columns} FROM ({source})", params)
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE source_keys AS SELECT DISTINCT {columns} FROM ({source})", params)
    for table, _ in tables:
        key, kept = DIMENSIONS[table]
        add_keys(con, table, f"SELECT DISTINCT {key}, {', '.join(kept)} FROM source_keys")
    con.execute("DROP TABLE source_keys")


def unmatched_lines(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per dimension, the lines whose key names no row of it: the usage view leaves them out of every figure (a
    connector whose group_source or key_source misses a column that decides its rows, or a damaged store)."""
    counts = con.execute("SELECT " + ", ".join(
        f"(SELECT count(*) FROM usage_line ANTI JOIN {table} USING ({key}))" for table, (key, _) in DIMENSIONS.items()
    )).fetchall()[0]
    return dict(zip(DIMENSIONS, counts, strict=True))


def refuse_shared_keys(con: duckdb.DuckDBPyConnection, table: str, key: str, what: str) -> None:
    """Stop where two rows of a lookup table (a connector's TEMP table that lines join by a 64-bit hash) share `key`
    (never seen): a line would join both. `what` names the rows in the error."""
    shared = con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}").fetchall()[0][0]
    if shared:
        raise RuntimeError(f"{shared} {what} share a hash with another: report this")


def add_keys(con: duckdb.DuckDBPyConnection, table: str, distinct_sql: str,
             params: Mapping[str, Any] | None = None) -> None:
    """Add to dimension `table` the rows of `distinct_sql` (its key and columns, distinct) whose key it lacks;
    refuse a key that names two different rows."""
    key, columns = DIMENSIONS[table]
    con.execute(f"CREATE OR REPLACE TEMP TABLE new_keys AS {distinct_sql}", params or {})
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM d.{c}" for c in columns)
    clash = con.execute(
        f"""
        SELECT (SELECT count(*) - count(DISTINCT {key}) FROM new_keys)
             + (SELECT count(*) FROM new_keys n JOIN {table} d USING ({key}) WHERE {differs})
        """
    ).fetchall()[0][0]
    if clash:
        con.execute("DROP TABLE new_keys")
        raise CloudcarbonError(
            f"two different rows of {table} hash to one 64-bit key ({clash} such keys): nothing was stored; "
            "please report this at the cloudcarbon issue tracker with the export's shape (not its contents)")
    con.execute(f"INSERT INTO {table} SELECT * FROM new_keys ANTI JOIN {table} USING ({key})")
    con.execute("DROP TABLE new_keys")


def delete_groups(con: duckdb.DuckDBPyConnection, where_sql: str, params: Mapping[str, Any] | None = None) -> None:
    """Delete the usage groups matching `where_sql` (over usage_group's columns), every line of them, and the
    resources and tag sets no line names any more."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE gone_groups AS SELECT group_key FROM usage_group WHERE {where_sql}",
                params or {})
    if con.execute("SELECT count(*) FROM gone_groups").fetchall()[0][0]:
        con.execute("DELETE FROM usage_line WHERE group_key IN (SELECT group_key FROM gone_groups)")
        con.execute("DELETE FROM usage_group WHERE group_key IN (SELECT group_key FROM gone_groups)")
        for table in ("usage_resource", "usage_tags"):
            key = DIMENSIONS[table][0]
            con.execute(f"DELETE FROM {table} WHERE {key} IN "
                        f"(SELECT {key} FROM {table} ANTI JOIN usage_line USING ({key}))")
    con.execute("DROP TABLE gone_groups")


def move_usage(con: duckdb.DuckDBPyConnection, schema: str) -> int:
    """Copy the keyed usage of the attached database `schema` (a staged ingest) into the store's tables."""
    for table in DIMENSIONS:
        add_keys(con, table, f"SELECT * FROM {schema}.{table}")
    return con.execute(f"INSERT INTO usage_line SELECT * FROM {schema}.usage_line").fetchall()[0][0]
