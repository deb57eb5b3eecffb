"""The on-premises inventory CSV: its columns, and the relation (`inventory_src`) the queries read.

One row per server and month. Header names are matched case-insensitively; any column named
`tag:KEY` becomes tag KEY. The columns are documented in METHODOLOGY.md ("On-premises inventories").
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

REQUIRED = ("server", "month", "hours", "location", "vcpus")
OPTIONAL = (
    "site", "account", "model", "cpu_model", "microarchitecture", "memory_gib", "sockets", "gpu_model",
    "gpu_count", "ssds", "hdds", "pue", "embodied_kgco2e", "cost", "currency",
)
TAG_PREFIX = "tag:"
# Text throughout: the inventory query checks and casts each value, so it can name a bad one.
CSV_OPTIONS = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', null_padding = true"


@dataclass(frozen=True)
class Inventory:
    file: str
    columns: dict[str, str]  # our name -> the header as written
    tags: dict[str, str]  # tag key -> the header as written


def _header(file: str) -> list[str]:
    opener = gzip.open if file.lower().endswith(".gz") else open
    try:
        with opener(file, "rt", encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise InputError(f"{file}: is not UTF-8 text; save the inventory as UTF-8 CSV") from None
    except (OSError, EOFError, csv.Error) as error:
        raise InputError(f"{file}: could not be read as CSV ({error}); export the inventory as CSV") from None


def read_header(file: str) -> Inventory:
    """The inventory's columns, refusing a missing required column, a duplicate or an unknown name."""
    if not file.lower().endswith((".csv", ".csv.gz")):
        raise InputError(f"{file}: an inventory is a .csv (or .csv.gz) file; export it as CSV")
    header = _header(file)
    if not [h for h in header if h.strip()]:
        raise InputError(f"{file}: is empty; an inventory starts with a header row ({', '.join(REQUIRED)}, ...)")
    columns: dict[str, str] = {}
    tags: dict[str, str] = {}
    for written in header:
        name = written.strip().lower()
        if name.startswith(TAG_PREFIX) and len(name) > len(TAG_PREFIX):
            key = written.strip()[len(TAG_PREFIX):]
            if key in tags:
                raise InputError(f"{file}: column {written!r} appears twice; keep one")
            tags[key] = written
            continue
        if name not in REQUIRED and name not in OPTIONAL:
            raise InputError(
                f"{file}: column {written!r} is not an inventory column; use {', '.join(REQUIRED + OPTIONAL)} "
                f"or tag:KEY"
            )
        if name in columns:
            raise InputError(f"{file}: column {written!r} appears twice; keep one")
        columns[name] = written
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise InputError(f"{file}: missing column(s) {', '.join(missing)}; an inventory needs "
                         f"{', '.join(REQUIRED)} (see METHODOLOGY.md, On-premises inventories)")
    return Inventory(file, columns, tags)



def source_select(inventory: Inventory, number: int) -> tuple[str, dict[str, object]]:
    """SELECT of `inventory_src` (every column ours by name, text) for one file, and its parameters.

    Row numbers follow the file when the scan runs single-threaded (connectors.files.single_threaded).
    """
    file_param, params = f"file_{number}", {f"file_{number}": inventory.file}
    values = [
        f"nullif(trim({quote_identifier(inventory.columns[name])}), '') AS {name}" if name in inventory.columns
        else f"CAST(NULL AS VARCHAR) AS {name}"
        for name in (*REQUIRED, *OPTIONAL)
    ]
    entries = []
    for index, (key, written) in enumerate(inventory.tags.items()):
        params[f"tag_{number}_{index}"] = key
        entries.append(f"{{'key': ${f'tag_{number}_{index}'}, 'value': nullif(trim({quote_identifier(written)}), '')}}")
    tags = (f"map_from_entries(list_filter([{', '.join(entries)}], lambda e: e.value IS NOT NULL))" if entries
            else "CAST(NULL AS MAP(VARCHAR, VARCHAR))")
    sql = f"""
        SELECT ${file_param} AS x_file, row_number() OVER () AS x_row, {', '.join(values)}, {tags} AS tags
        FROM read_csv(${file_param}, {CSV_OPTIONS})
    """
    return sql, params


def is_inventory_name(path: str) -> bool:
    return Path(path).name.lower().endswith((".csv", ".csv.gz"))
