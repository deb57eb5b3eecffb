"""What each kind of FOCUS usage row is (classify.sql: instance type, vCPUs, usage kind, storage), as the TEMP
table `focus_kinds` that normalize.sql joins back to every row by the hash of its kind: the JSON look-ups and
regular expressions run once per kind, not once per row. Every ingest creates it from the export it loads."""

from __future__ import annotations

import duckdb

from cloudcarbon.connectors.base import connector_sql


def prepare(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, dict[str, object]]]) -> None:
    """Fill `focus_kinds` from each (focus_src SELECT, its parameters) the ingest loads: one row per kind."""
    classify = connector_sql(__package__, "classify")
    for number, (source_sql, params) in enumerate(sources):
        verb = "CREATE OR REPLACE TEMP TABLE focus_kinds AS" if number == 0 else "INSERT INTO focus_kinds"
        con.execute(f"{verb} WITH focus_src AS ({source_sql}) SELECT * FROM ({classify})", params)
    # One row per hash, or a row would join twice: a kind two groups of files share is classified alike; two
    # kinds with one 64-bit hash (never seen) would be told apart wrongly, so the ingest stops instead.
    con.execute("CREATE OR REPLACE TEMP TABLE focus_kinds AS SELECT DISTINCT * FROM focus_kinds")
    collided = con.execute("SELECT count(*) - count(DISTINCT kind) FROM focus_kinds").fetchall()[0][0]
    if collided:
        raise RuntimeError(f"{collided} kind(s) of FOCUS row share a hash with another: report this")
