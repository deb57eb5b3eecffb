"""SQL files run by DuckDB, named by what they compute; values are bound as $params."""

import re
from functools import cache
from importlib.resources import files

import duckdb


@cache
def read_query(name: str) -> str:
    """The text of queries/<name>.sql."""
    return files(__name__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the TEMP macros of queries/macros.sql (exact_sum, ...) on `con`."""
    con.execute(read_query("macros"))


def quote_identifier(identifier: str) -> str:
    """A column or table name as a quoted SQL identifier (for names read from files, never values)."""
    return '"' + identifier.replace('"', '""') + '"'


def named_params(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The entries of `params` that `sql` names as $name: DuckDB refuses a statement given any other."""
    return {name: value for name, value in params.items() if re.search(rf"\${re.escape(name)}\b", sql)}
