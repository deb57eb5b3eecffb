"""Integrity check of a store: schema version against the migrations, every billing period held whole
by the ingest that logged it (no mixed, stale, short or orphaned periods), and no line held twice.

It opens the store read-only and never migrates or repairs: a check must not change what it checks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb
import pandas as pd

from cloudcarbon.queries import read_query
from cloudcarbon.store import (
    check_at_open,
    connect,
    damage_reported,
    migrations,
    refuse_newer_schema,
    resolve_db_path,
    schema_version,
    verify_store,
)
from cloudcarbon.usage_store import DIMENSIONS, unmatched_lines

COLUMNS = ["check", "provider", "billing_account", "period", "detail"]
STORE_TABLES = ("schema_migrations", "usage", "ingests", "ingest_periods")


@dataclass(frozen=True)
class Health:
    schema_version: int
    periods: int
    rows: int
    ingests: int
    problems: pd.DataFrame

    @property
    def healthy(self) -> bool:
        return self.problems.empty


def _problem(check: str, detail: str) -> dict[str, object]:
    return {"check": check, "provider": None, "billing_account": None, "period": None, "detail": detail}


def _schema_problems(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [t for t in STORE_TABLES if t not in tables]
    if missing:
        return [_problem("schema", f"table {', '.join(missing)} missing: not a cloudcarbon store, or a damaged one")]
    known = [(version, name) for version, name, _ in migrations()]
    applied = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    latest = known[-1][0]
    problems = []
    if applied != known[: len(applied)]:
        problems.append(_problem("schema", f"applied migrations {applied} differ from the release's {known}"))
    if len(applied) < len(known):
        problems.append(_problem("schema", f"schema version {schema_version(con)} is older than {latest}; "
                                           "any cloudcarbon command that opens the store upgrades it"))
    return problems


def _key_problems(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """The keyed tables behind `usage` (migration 11): every line's keys name one row each. A line whose key names
    none is missing from every figure; a key naming two rows counts its lines twice."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'usage_line' "
                       "AND database_name = current_database()").fetchall()[0][0]:
        return []  # an older store, read as it is
    problems = []
    for table, unmatched in unmatched_lines(con).items():
        key = DIMENSIONS[table][0]
        repeated = con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}").fetchall()[0][0]
        if unmatched:
            problems.append(_problem("keys", f"{unmatched} usage line(s) name a {key} that {table} lacks: they are "
                                             "missing from every figure; restore a backup or re-ingest the exports"))
        if repeated:
            problems.append(_problem("keys", f"{repeated} {key}(s) name two rows of {table}: their lines count "
                                             "twice; restore a backup or re-ingest the exports"))
    return problems


def _fingerprinted_usage(con: duckdb.DuckDBPyConnection) -> None:
    """The usage table as store_integrity.sql reads it: a store written before migration 4 (which doctor
    does not upgrade) has no fingerprints, so its rows are compared on every stored column."""
    columns = {name for (name,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = 'usage'"
    ).fetchall()}
    missing = "" if "x_row_fingerprint" in columns else ", NULL::UBIGINT AS x_row_fingerprint"
    con.execute(f"CREATE OR REPLACE TEMP VIEW fingerprinted_usage AS SELECT *{missing} FROM usage")


def check(con: duckdb.DuckDBPyConnection) -> Health:
    """Every integrity problem of the store behind `con` (an empty frame when healthy)."""
    schema = _schema_problems(con)
    if schema and schema[0]["detail"].startswith("table"):
        return Health(0, 0, 0, 0, pd.DataFrame(schema, columns=COLUMNS))
    _fingerprinted_usage(con)
    periods = con.execute(read_query("store_integrity")).df()
    found = schema + _key_problems(con)
    problems = pd.concat([pd.DataFrame(found, columns=COLUMNS), periods], ignore_index=True) if found else periods
    counts = con.execute(
        "SELECT (SELECT count(*) FROM (SELECT DISTINCT provider_name, billing_account_id, billing_period_start "
        "FROM usage)), (SELECT count(*) FROM usage), (SELECT count(*) FROM ingests)"
    ).fetchall()[0]
    return Health(schema_version(con), *counts, problems=problems[COLUMNS])


def doctor(db: str | os.PathLike[str] | None, *, deep: bool = False) -> Health:
    """Open the store named by --db / CLOUDCARBON_DB / the default read-only and check it; `deep` first reads
    every block in use, so damage no other check touches is found. A damaged store, or one of a newer release,
    raises its one-line error instead."""
    path = resolve_db_path(db)
    with connect(path, read_only=True) as con, damage_reported(path):
        check_at_open(con, path)
        refuse_newer_schema(con, path)
        if deep:
            verify_store(con, path)
        return check(con)
