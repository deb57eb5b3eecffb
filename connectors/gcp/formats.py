"""Recognise exported GCP billing-table files and flatten each into the one `gcp_src` relation.

The BigQuery billing export (standard or detailed) reaches us as files in three shapes:
- CSV, flattened: dotted column names (`sku.description`) and repeated fields written as Python-repr
  lists (`[{'key': 'k', 'value': 'v'}]`), the shape pandas/BigQuery notebooks produce;
- JSON lines, as BigQuery's EXPORT DATA / `bq extract` writes them (nested records and arrays);
- Parquet with the same nested structs and lists.
Detection reads only the header or schema. `source_select` renames each shape into the columns of
`gcp_src` (see gcp/normalize.sql), so one normalisation query serves every format
and the BigQuery pushdown (connectors/gcp/bigquery.py) produces the same relation.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.files import refuse_non_numeric
from cloudcarbon.connectors.read_errors import explain_read_error, filesystem_exception
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

CSV = "csv"
JSON = "jsonl"
PARQUET = "parquet"

# Text in, typed later: IDs keep their dashes and leading zeros; the normaliser casts and reports.
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, union_by_name = true"
)

# Leaf fields, by their dotted names, and the type the JSON reader is told (BigQuery writes INT64 as
# strings and FLOAT64 as numbers; reading leaves as text keeps both, the normaliser casts).
LEAVES = (
    "billing_account_id", "service.id", "service.description", "sku.id", "sku.description",
    "usage_start_time", "usage_end_time", "project.id", "project.name",
    "location.location", "location.region", "location.zone", "cost", "currency",
    "usage.amount", "usage.unit", "usage.pricing_unit", "invoice.month", "cost_type",
    "resource.name", "resource.global_name",
)
REQUIRED = ("billing_account_id", "sku.description", "usage_start_time", "usage.amount", "usage.unit", "cost")
AMOUNTS = ("cost", "usage.amount", "credits.amount")  # which a Parquet file must store as numbers (or text)
KEY_VALUE_LISTS = ("labels", "system_labels")
MACHINE_LABELS = {
    "machine_spec": "compute.googleapis.com/machine_spec",
    "cores": "compute.googleapis.com/cores",
    "memory_mib": "compute.googleapis.com/memory",
}


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # csv | jsonl | parquet
    columns: frozenset[str]  # dotted leaf names the file has (plus the list columns)

    @property
    def format(self) -> str:
        return f"gcp-billing-{self.container}"


def container_of(file: str) -> str:
    lowered = file.lower()
    if lowered.endswith(".parquet"):
        return PARQUET
    if lowered.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")):
        return JSON
    return CSV


def _reader(container: str, files: str = "$files") -> str:
    if container == PARQUET:
        return f"read_parquet({files}, union_by_name = true, filename = true)"
    if container == JSON:
        return f"read_json({files}, format = 'newline_delimited', columns = {_json_columns()}, filename = true)"
    return f"read_csv({files}, {CSV_OPTIONS}, filename = true)"


def _json_columns() -> str:
    """The JSON reader's schema: top-level records with their leaves as text, lists typed."""
    records: dict[str, list[str]] = {}
    top: dict[str, str] = {}
    for leaf in LEAVES:
        head, _, field = leaf.partition(".")
        if field:
            records.setdefault(head, []).append(f"{field} VARCHAR")
        else:
            top[head] = "VARCHAR"
    for name, fields in records.items():
        top[name] = f"STRUCT({', '.join(fields)})"
    for name in KEY_VALUE_LISTS:
        top[name] = 'STRUCT("key" VARCHAR, "value" VARCHAR)[]'
    top["credits"] = "STRUCT(name VARCHAR, amount DOUBLE, type VARCHAR)[]"
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in top.items()) + "}"


def _flatten(schema: list[tuple[str, str]]) -> dict[str, str]:
    """Dotted leaf names and their types from DESCRIBE rows (struct types spelled out by DuckDB); the fields
    of a list of structs (`credits.amount`) too."""
    names: dict[str, str] = {}
    for name, kind in schema:
        names[name] = kind
        if kind.startswith("STRUCT("):
            inner = kind[len("STRUCT("):kind.rindex(")")]
            for part in _split_fields(inner):
                field, _, field_kind = part.partition(" ")
                names[f"{name}.{field.strip(chr(34))}"] = field_kind.strip()
    return names


def _split_fields(inner: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(inner):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(inner[start:index].strip())
            start = index + 1
    parts.append(inner[start:].strip())
    return parts


def _foreign_format(columns: set[str]) -> str | None:
    lowered = {c.lower() for c in columns}
    if {"chargeperiodstart", "providername"} <= lowered:
        return "a FOCUS export (use `ingest focus`)"
    if lowered & {"lineitem/usagetype", "line_item_usage_type", "bill/payeraccountid", "bill_payer_account_id"}:
        return "an AWS Cost and Usage Report (use `ingest aws`)"
    if lowered & {"metercategory", "subscriptionguid", "subscriptionid", "consumedservice", "metername"}:
        return "an Azure cost export (use `ingest azure`)"
    return None


def _describe(con: duckdb.DuckDBPyConnection, file: str, container: str) -> dict[str, str]:
    if container == JSON:
        reader = "read_json($file, format = 'newline_delimited', sample_size = 100)"
    elif container == PARQUET:
        reader = "read_parquet($file)"
    else:
        reader = f"read_csv($file, {CSV_OPTIONS}, sample_size = 1)"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"file": file}).fetchall()
    except duckdb.Error as error:
        if container == CSV:
            try:
                lenient = con.execute(
                    f"DESCRIBE SELECT * FROM read_csv($file, {CSV_OPTIONS}, strict_mode = false)", {"file": file}
                ).fetchall()
                foreign = _foreign_format({row[0] for row in lenient})
            except duckdb.Error:
                foreign = None
            if foreign:
                raise InputError(f"{file}: looks like {foreign}, not a GCP billing export") from None
        raise InputError(f"{file}: {explain(error, container)}") from None
    return _flatten([(name, kind) for name, kind, *_ in rows])


def explain(error: duckdb.Error, container: str) -> str:
    """One line saying why a file could not be read (DuckDB's first line; JSON named as JSON lines)."""
    if container == JSON and not filesystem_exception(str(error).strip()):
        first = (str(error).strip().splitlines() or [error.__class__.__name__])[0]
        return f"not readable as JSON lines ({first}); check it is a complete export and export it again"
    return explain_read_error(error, container)


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Which export shape a file is; refuses empty, foreign and incomplete files with one line."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; re-export the billing table")
    container = container_of(file)
    types = _describe(con, file, container)
    columns = set(types)
    if not {"sku.description", "billing_account_id"} & columns:
        foreign = _foreign_format(columns)
        what = f"looks like {foreign}" if foreign else "has no billing_account_id or sku.description column"
        raise InputError(
            f"{file}: {what}, not a GCP billing export; pass files exported from the Cloud Billing "
            "BigQuery table (standard or detailed) to `ingest gcp`"
        )
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            f"{file}: required GCP billing column {missing[0]} is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + "; export the whole billing table (standard or detailed), not a subset of columns"
        )
    if container == PARQUET:
        refuse_non_numeric(file, types, AMOUNTS)
    return Detected(file, container, frozenset(columns))



def _leaf(container: str, columns: frozenset[str], leaf: str) -> str:
    """An expression for a dotted leaf: a column of that name in CSV, a struct field otherwise."""
    if leaf not in columns:
        return "NULL"
    if container == CSV or "." not in leaf:
        return f"CAST({quote_identifier(leaf)} AS VARCHAR)"
    head, field = leaf.split(".", 1)
    return f"CAST({quote_identifier(head)}.{quote_identifier(field)} AS VARCHAR)"


# CSV lists are Python reprs (or JSON): pull each {...} entry, then its fields, by regex. Label keys
# and values are restricted by GCP to letters, digits, `_`, `-` (and `/`, `.` in system labels).
_ENTRIES = r"regexp_extract_all({col}, '\{{[^{{}}]*\}}')"
_FIELD = r"""regexp_extract(e, '[''"]{name}[''"]: *[''"]([^''"]*)[''"]', 1)"""
_AMOUNT = r"""TRY_CAST(regexp_extract(e, '[''"]amount[''"]: *([-+0-9.eE]+)', 1) AS DOUBLE)"""


def _pairs(container: str, columns: frozenset[str], name: str) -> str:
    """A LIST of {key, value} structs for `labels` or `system_labels`."""
    if name not in columns:
        return "NULL"
    if container == CSV:
        entries = _ENTRIES.format(col=quote_identifier(name))
        return (f"list_transform({entries}, lambda e: {{'key': {_FIELD.format(name='key')}, "
                f"'value': {_FIELD.format(name='value')}}})")
    return (f"list_transform({quote_identifier(name)}, lambda e: "
            "{'key': CAST(e.key AS VARCHAR), 'value': CAST(e.value AS VARCHAR)})")


def _credits(container: str, columns: frozenset[str]) -> str:
    if "credits" not in columns:
        return "0.0"
    if container == CSV:
        return f"coalesce(list_sum(list_transform({_ENTRIES.format(col='credits')}, lambda e: {_AMOUNT})), 0.0)"
    return "coalesce(list_sum(list_transform(credits, lambda e: CAST(e.amount AS DOUBLE))), 0.0)"


def source_select(detected: list[Detected]) -> str:
    """SELECT producing `gcp_src` over $files for files of one container."""
    container = detected[0].container
    columns = frozenset().union(*(d.columns for d in detected))
    leaf = lambda name: _leaf(container, columns, name)  # noqa: E731
    system = _pairs(container, columns, "system_labels")
    labels = _pairs(container, columns, "labels")
    select = {
        "billing_account_id": leaf("billing_account_id"),
        "service_id": leaf("service.id"),
        "service_description": leaf("service.description"),
        "sku_id": leaf("sku.id"),
        "sku_description": leaf("sku.description"),
        "usage_start_time": leaf("usage_start_time"),
        "usage_end_time": leaf("usage_end_time"),
        "project_id": leaf("project.id"),
        "project_name": leaf("project.name"),
        "location_location": leaf("location.location"),
        "location_region": leaf("location.region"),
        "location_zone": leaf("location.zone"),
        **{
            column: f"list_filter({system}, lambda l: l.key = '{key}')[1].value" if system != "NULL" else "NULL"
            for column, key in MACHINE_LABELS.items()
        },
        "cost": leaf("cost"),
        "credits": _credits(container, columns),
        "currency": leaf("currency"),
        "usage_amount": leaf("usage.amount"),
        "usage_unit": leaf("usage.unit"),
        "usage_pricing_unit": leaf("usage.pricing_unit"),
        "invoice_month": leaf("invoice.month"),
        "cost_type": leaf("cost_type"),
        "resource_id": f"coalesce(nullif({leaf('resource.global_name')}, ''), nullif({leaf('resource.name')}, ''))",
        "resource_name": leaf("resource.name"),
        # Keys as given; a key repeated on a row keeps its first value (map_from_entries refuses duplicates).
        "tags": (
            "NULL::MAP(VARCHAR, VARCHAR)" if labels == "NULL" else
            f"map_from_entries(list_filter({labels}, lambda e, i: coalesce(e.key, '') <> '' "
            f"AND list_position(list_transform({labels}, lambda x: x.key), e.key) = i))"
        ),
        # The export has no line identity: identical copies are told apart by the whole row, hashed as the
        # file holds it (METHODOLOGY.md, "Data rules").
        "row_fingerprint": "hash(*COLUMNS(* EXCLUDE (filename)))",
        "source_file": "filename",
    }
    body = ", ".join(f"{expr} AS {name}" for name, expr in select.items())
    return f"SELECT {body} FROM {_reader(container)}"


# The dotted name a user sees for each gcp_src column, for error messages.
SPELLING = {
    "usage_amount": "usage.amount",
    "cost": "cost",
    "usage_start_time": "usage_start_time",
    "usage_end_time": "usage_end_time",
    "invoice_month": "invoice.month",
}
