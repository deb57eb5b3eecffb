"""Recognise the Google Cloud Carbon Footprint export (BigQuery table exported as CSV, Parquet or newline-delimited
JSON) and rename its fields into the `carbon_src` relation that normalize.sql reads.

Fields as the Carbon Footprint data schema page lists them. Parquet and JSON keep the RECORD fields nested
(`carbon_footprint_kgCO2e.scope2.location_based`); BigQuery cannot export RECORDs to CSV, so a CSV comes from a query
that flattened them, named with dots (console downloads) or underscores (aliases). All three spellings meet in one
key: lower case, dots as underscores. Detection reads only the header (CSV) or schema (Parquet, JSON).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, union_by_name = true, nullstr = ['', 'NULL']"
)
REQUIRED = ("usage_month", "billing_account_id")
FIGURES = ("carbon_footprint_kgco2e_scope1", "carbon_footprint_kgco2e_scope2_location_based",
           "carbon_footprint_kgco2e_scope2_market_based", "carbon_footprint_kgco2e_scope3",
           "carbon_footprint_total_kgco2e_location_based", "carbon_footprint_total_kgco2e_market_based")
OPTIONAL = ("project_id", "project_number", "service_id", "service_description", "location_location",
            "location_region", "carbon_model_version")
COLUMNS = (*REQUIRED, *OPTIONAL, *FIGURES)
# Columns the query casts, with the type they must parse as (for naming a bad value).
CHECKED = {"usage_month": "DATE", **dict.fromkeys(FIGURES, "DOUBLE")}


def key(name: str) -> str:
    """One spelling of a field whether nested, dotted or underscored."""
    return name.lstrip("\ufeff").lower().replace(".", "_")


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # csv | parquet | json
    columns: dict[str, str]  # key(field) -> SQL expression reaching it in the file

    @property
    def format(self) -> str:
        return f"gcp-carbon-{self.container}"

    def spelled(self, column: str) -> str | None:
        return self.columns.get(column)


def container_of(file: str) -> str:
    name = file.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        return "parquet"
    return "json" if name.endswith((".json", ".jsonl", ".ndjson")) else "csv"


def reader(container: str, files: str = "$file") -> str:
    if container == "parquet":
        return f"read_parquet({files}, union_by_name = true, filename = true)"
    if container == "json":
        return f"read_json({files}, format = 'newline_delimited', union_by_name = true, filename = true)"
    return f"read_csv({files}, {CSV_OPTIONS}, filename = true)"


def _flatten(name: str, kind: duckdb.DuckDBPyType, path: str, into: dict[str, str]) -> None:
    """Every leaf of a (possibly nested) field, keyed as the flattened name, valued as its access path."""
    if kind.id == "struct":
        for child, child_kind in kind.children:
            _flatten(f"{name}_{child}", child_kind, f"{path}.{quote_identifier(child)}", into)
    else:
        into[key(name)] = path


def _columns(con: duckdb.DuckDBPyConnection, file: str, container: str) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader(container)}", {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, 'csv' if container == 'json' else container)}") \
            from None
    columns: dict[str, str] = {}
    for name, kind, *_ in rows:
        if name != "filename":
            _flatten(name, duckdb.sqltype(kind), quote_identifier(name.lstrip("\ufeff")), columns)
    return columns


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Refuse anything but a Carbon Footprint export with a month, a billing account and at least one figure."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; export the Carbon Footprint table again")
    container = container_of(file)
    detected = Detected(file, container, _columns(con, file, container))
    figures = [value for value in FIGURES if detected.spelled(value)]
    missing = [column for column in REQUIRED if detected.spelled(column) is None]
    if not figures:
        raise InputError(f"{file}: has none of the fields usage_month, billing_account_id, "
                         "carbon_footprint_total_kgCO2e, so it is not a Google Cloud Carbon Footprint export; use "
                         "`ingest gcp` for billing exports")
    if missing:
        raise InputError(f"{file}: field {missing[0]} is missing; export the Carbon Footprint table with all its "
                         "fields")
    return detected


def source_select(group: list[Detected]) -> str:
    """SELECT producing `carbon_src` over $files for files of one container."""
    union: dict[str, str] = {}
    for item in group:
        union.update(item.columns)
    select = [f"{union[column]} AS {column}" if column in union else f"NULL AS {column}" for column in COLUMNS]
    select += [f"'{group[0].container}' AS container", "filename AS source_file",
               "row_number() OVER (PARTITION BY filename) AS source_row"]
    return f"SELECT {', '.join(select)} FROM {reader(group[0].container, '$files')}"
