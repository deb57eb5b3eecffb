"""Recognise the AWS Data Exports carbon emissions table (CARBON_EMISSIONS, CSV or Parquet) and rename its columns
into the `carbon_src` relation that normalize.sql reads.

Columns as the Data Exports user guide lists them ("Carbon emissions columns"); matched case-insensitively.
Detection reads only the header (CSV) or schema (Parquet).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.files import refuse_non_numeric
from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

# Text throughout (account ids keep leading zeros; the query casts).
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, union_by_name = true, nullstr = ['', 'NULL']"
)
REQUIRED = ("usage_account_id", "usage_period_start")
FIGURES = {  # value column -> its unit column
    "total_lbm_emissions_value": "total_lbm_emissions_unit",
    "total_mbm_emissions_value": "total_mbm_emissions_unit",
}
OPTIONAL = ("payer_account_id", "region_code", "location", "product_code", "usage_period_end", "model_version",
            "last_refresh_timestamp")
COLUMNS = (*REQUIRED, *OPTIONAL, *FIGURES, *FIGURES.values())
# Columns the query casts, with the type they must parse as (for naming a bad value).
CHECKED = {
    "usage_period_start": "TIMESTAMPTZ",
    "usage_period_end": "TIMESTAMPTZ",
    "last_refresh_timestamp": "TIMESTAMPTZ",
    "total_lbm_emissions_value": "DOUBLE",
    "total_mbm_emissions_value": "DOUBLE",
}


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # csv | parquet
    columns: dict[str, str]  # source column name -> DuckDB type

    @property
    def format(self) -> str:
        return f"aws-carbon-{self.container}"

    def spelled(self, column: str) -> str | None:
        """The file's spelling of a documented column, matched case-insensitively."""
        return {c.lower(): c for c in self.columns}.get(column)


def container_of(file: str) -> str:
    return "parquet" if file.lower().endswith(".parquet") else "csv"


def _columns(con: duckdb.DuckDBPyConnection, file: str, container: str) -> dict[str, str]:
    reader = "read_parquet($file)" if container == "parquet" else f"read_csv($file, {CSV_OPTIONS}, sample_size = 1)"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, container)}") from None
    return {name.lstrip("\ufeff"): kind for name, kind, *_ in rows}


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Refuse anything but a carbon emissions export with an account, a period and at least one figure."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; download the export again")
    container = container_of(file)
    detected = Detected(file, container, _columns(con, file, container))
    figures = [value for value in FIGURES if detected.spelled(value)]
    missing = [column for column in REQUIRED if detected.spelled(column) is None]
    if not figures and len(missing) == len(REQUIRED):
        raise InputError(f"{file}: has none of the columns usage_account_id, usage_period_start, "
                         "total_lbm_emissions_value, so it is not an AWS carbon emissions export (Data Exports table "
                         "CARBON_EMISSIONS); use `ingest aws` for Cost and Usage Reports")
    if missing or not figures:
        absent = missing[0] if missing else "total_lbm_emissions_value or total_mbm_emissions_value"
        raise InputError(f"{file}: column {absent} is missing; export the CARBON_EMISSIONS table with all its columns")
    for value in figures:
        if detected.spelled(FIGURES[value]) is None:
            raise InputError(f"{file}: column {FIGURES[value]} is missing, so {value} has no unit; export the "
                             "CARBON_EMISSIONS table with all its columns")
    if container == "parquet":
        refuse_non_numeric(file, detected.columns, [detected.spelled(value) or value for value in figures])
    return detected



def source_select(group: list[Detected]) -> str:
    """SELECT producing `carbon_src` over $files for files of one container."""
    union: dict[str, str] = {}
    for item in group:
        union.update(item.columns)
    merged = Detected(group[0].file, group[0].container, union)
    select = [f"{quote_identifier(spelled)} AS {column}" if (spelled := merged.spelled(column)) else f"NULL AS {column}"
              for column in COLUMNS]
    reader = ("read_parquet($files, union_by_name = true, filename = true)" if merged.container == "parquet"
              else f"read_csv($files, {CSV_OPTIONS}, filename = true)")
    # The source row's number within its file, so figures of one row are counted once (provider_emissions.py).
    select += [f"'{merged.container}' AS container", "filename AS source_file",
               "row_number() OVER (PARTITION BY filename) AS source_row"]
    return f"SELECT {', '.join(select)} FROM {reader}"
