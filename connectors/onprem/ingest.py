"""`cloudcarbon ingest onprem`: on-premises server inventories (CSV) into the store.

The inventory is checked row by row before anything is written (onprem/inventory.sql names the
first bad value by file, row and column); then its rows go in through the same atomic load as a bill,
one period per (inventory, month).
"""

from __future__ import annotations

import duckdb

from cloudcarbon.coefficients import loader
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.connectors.files import ends_with_newline, expand_local, is_remote, local_filesystem, single_threaded
from cloudcarbon.connectors.onprem import formats
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary, define_ingest_macros, load

PROVIDER = "On-premises"
DEFAULT_INVENTORY = "on-premises"


def _files(sources: list[str]) -> list[str]:
    files: list[str] = []
    for source in sources:
        if is_remote(source):
            raise InputError(f"{source}: `ingest onprem` reads local inventory files; download it first")
        found = expand_local(source)
        chosen = [f for f in found if formats.is_inventory_name(f)] if len(found) > 1 else found
        if not chosen:
            raise InputError(f"{source}: no inventory files found (.csv or .csv.gz)")
        files.extend(chosen)
    return list(dict.fromkeys(files))


def _inventory_sql(inventories: list[formats.Inventory]) -> tuple[str, dict[str, object]]:
    """SQL of the checked inventory rows of every file (onprem/inventory.sql), and its parameters."""
    selects, params = [], {}
    for number, inventory in enumerate(inventories):
        sql, file_params = formats.source_select(inventory, number)
        selects.append(sql)
        params.update(file_params)
    source = " UNION ALL BY NAME ".join(f"({s})" for s in selects)
    return f"WITH inventory_src AS ({source}) SELECT * FROM ({connector_sql(__package__, 'inventory')})", params


def _check(con: duckdb.DuckDBPyConnection, inventory_sql: str, params: dict[str, object]) -> int:
    """Rows in the inventories; raises InputError naming the first value that breaks a rule."""
    try:
        with single_threaded(con):
            rows, first = con.execute(
                f"""
                SELECT count(*), min({{'file': x_file, 'row': x_row, 'problem': problem}})
                    FILTER (WHERE problem IS NOT NULL)
                FROM ({inventory_sql})
                """,
                params,
            ).fetchall()[0]
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as error:
        first_line = str(error).strip().splitlines()[0]
        raise InputError(f"{params['file_0']}{' and others' if 'file_1' in params else ''}: could not be read "
                         f"as an inventory CSV ({first_line}); check it is a complete CSV export") from None
    if first is not None:
        problem = first["problem"]
        shown = f"{problem['value']!r} " if problem["value"] is not None else ""
        where = f"{first['file']}: data row {first['row']}, column {problem['column']}"
        raise InputError(f"{where}: {shown}{problem['text']}")
    if rows == 0:
        raise InputError(f"{params['file_0']}: holds a header but no servers; add one row per server and month")
    return rows


def ingest_onprem(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    inventory: str = DEFAULT_INVENTORY,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest on-premises inventory CSVs: one row per server and month (METHODOLOGY.md, On-premises)."""
    if not inventory.strip():
        raise UsageError("--inventory: give the inventory a name, e.g. --inventory dc-frankfurt")
    files = _files(sources)
    inventories = [formats.read_header(file) for file in files]
    for file in files:  # after the header check, which names a file in another encoding as such
        if file.lower().endswith(".csv") and not ends_with_newline(local_filesystem(), file):
            raise InputError(f"{file}: the last line is incomplete, so the file looks truncated; save or export "
                             "it again")
    loader.register(con)
    define_ingest_macros(con)
    inventory_sql, params = _inventory_sql(inventories)
    rows = _check(con, inventory_sql, params)
    batch = Batch(f"WITH inventory AS ({inventory_sql}) SELECT * FROM ({connector_sql(__package__, 'normalize')})",
                  {**params, "inventory": inventory.strip()}, rows)
    return load(con, provider=PROVIDER, source_format="inventory CSV", files=files, batches=[batch],
                progress=progress)
