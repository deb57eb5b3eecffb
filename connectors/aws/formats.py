"""Recognise the four AWS CUR shapes and rename each into one set of CUR 2.0 column names.

Detection reads only the header (CSV) or schema (Parquet). The rename produces the `cur_src` relation
that aws/normalize.sql reads, so there is one normalisation query for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.files import PARQUET_READER, PARQUET_READER_COLUMNS, refuse_non_numeric
from cloudcarbon.connectors.read_errors import container_of, explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

# Column naming styles: legacy CSV (`lineItem/UsageType`), legacy Parquet/Athena snake case
# (`line_item_usage_type`, product attributes as columns), CUR 2.0 (snake case, `product` map).
LEGACY = "cur-legacy"
ATHENA = "cur-athena"
CUR2 = "cur2"

# Read CSV as text with explicit dialect: the sniffer mis-guesses some real exports, IDs must keep
# their leading zeros, and some exporters drop the trailing empty column (null_padding). A cut-off
# last line is caught before reading (connectors/files.py: ends_with_newline).
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, union_by_name = true"
)

REQUIRED = (
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_type",
    "line_item_usage_amount",
)
OPTIONAL = (
    "line_item_usage_account_name",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_resource_id",
    "line_item_currency_code",
    "line_item_unblended_cost",
    "reservation_effective_cost",
    "savings_plan_savings_plan_effective_cost",
    "pricing_unit",
    "product_instance_type",
    "product_region_code",
    # The line's identity: unique per file and time interval, not across a delivery's files, so it tells
    # identical copies of a line from distinct lines only with the line's content (METHODOLOGY.md, "Data rules").
    "identity_line_item_id",
    "identity_time_interval",
    # EKS/ECS split cost allocation (aws/split.sql): a pod's or task's line names its parent instance.
    "split_line_item_parent_resource_id",
    "split_line_item_split_usage",
    "split_line_item_split_usage_ratio",
)
IDENTITY = ("identity_line_item_id", "identity_time_interval")
# Columns of amounts, which a Parquet file must store as numbers (or text).
AMOUNTS = ("line_item_usage_amount", "line_item_unblended_cost", "reservation_effective_cost",
           "savings_plan_savings_plan_effective_cost", "split_line_item_split_usage",
           "split_line_item_split_usage_ratio")
# Product attributes that CUR 2.0 keeps inside its `product` map and legacy CUR as columns.
PRODUCT_MAP_KEYS = {"product_vcpu": "vcpu", "product_region": "region"}


@dataclass(frozen=True)
class Detected:
    file: str
    style: str
    container: str  # csv | parquet
    columns: dict[str, str]  # source column name -> DuckDB type

    @property
    def format(self) -> str:
        return f"{self.style}-{self.container}"


def legacy_to_snake(column: str) -> str:
    """`lineItem/UsageType` -> `line_item_usage_type`, the rule AWS uses for its Parquet/Athena names."""
    category, _, name = column.partition("/")
    snake = lambda text: re.sub(r"([A-Z])", r"_\1", text).lower().strip("_")  # noqa: E731
    return f"{snake(category)}_{snake(name)}" if name else snake(category)


def _foreign_format(columns: set[str]) -> str | None:
    lowered = {c.lower() for c in columns}
    if {"chargeperiodstart", "providername"} <= lowered:
        return "a FOCUS export"
    if "sku.description" in lowered or {"billing_account_id", "usage.amount"} <= lowered:
        return "a GCP billing export"
    if lowered & {"metercategory", "subscriptionguid", "subscriptionid", "consumedservice"}:
        return "an Azure cost export"
    return None


def _describe(con: duckdb.DuckDBPyConnection, file: str, options: str) -> dict[str, str]:
    reader = "read_parquet($file)" if container_of(file) == "parquet" else f"read_csv($file, {options})"
    rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"file": file}).fetchall()
    return {name: kind for name, kind, *_ in rows}


def _columns(con: duckdb.DuckDBPyConnection, file: str) -> dict[str, str]:
    """The file's columns. A CSV DuckDB cannot read strictly is read leniently once, only so that a
    foreign export (another provider's quoting conventions) is named as such instead of as broken."""
    try:
        return _describe(con, file, f"{CSV_OPTIONS}, sample_size = 1")
    except duckdb.Error as error:
        if container_of(file) == "csv":
            try:
                foreign = _foreign_format(set(_describe(con, file, f"{CSV_OPTIONS}, strict_mode = false")))
            except duckdb.Error:
                foreign = None
            if foreign:
                raise InputError(f"{file}: looks like {foreign}, not an AWS Cost and Usage Report; "
                                 "pass CUR files (legacy or 2.0, CSV or Parquet) to `ingest aws`") from None
        raise InputError(f"{file}: {explain_read_error(error, container_of(file))}") from None


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Which CUR shape a file is, from its column names."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; re-download the export")
    columns = _columns(con, file)
    names = set(columns)
    if "lineItem/UsageType" in names:
        style = LEGACY
    elif "line_item_usage_type" in names:
        style = CUR2 if "product" in names else ATHENA
    else:
        foreign = _foreign_format(names)
        what = f"looks like {foreign}, not an AWS Cost and Usage Report" if foreign else (
            "has no lineItem/UsageType or line_item_usage_type column, so it is not an AWS Cost and Usage Report"
        )
        raise InputError(f"{file}: {what}; pass CUR files (legacy or 2.0, CSV or Parquet) to `ingest aws`")
    duplicated = _duplicated_column(names)
    if duplicated:
        raise InputError(f"{file}: column {duplicated} appears more than once, so which copy to read is unknowable; "
                         "re-export the report")
    detected = Detected(file, style, container_of(file), columns)
    missing = [c for c in REQUIRED if c not in canonical_columns(detected)]
    if missing:
        raise InputError(
            f"{file}: required CUR column {missing[0]} is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + "; export the report with its standard columns"
        )
    if detected.container == "parquet":
        canonical = canonical_columns(detected)
        refuse_non_numeric(file, columns, [canonical[c] for c in AMOUNTS if c in canonical])
    return detected


def _duplicated_column(names: set[str]) -> str | None:
    """A non-tag column the file holds twice: DuckDB renames the second copy `NAME_1` (case-insensitively)."""
    lowered = {name.lower(): name for name in names}
    for name in sorted(names):
        match = re.fullmatch(r"(.+)_(\d+)", name)
        original = lowered.get(match[1].lower()) if match else None
        if original and not original.lower().startswith(("resourcetags/", "resource_tags_")):
            return original
    return None


def canonical_columns(detected: Detected) -> dict[str, str]:
    """CUR 2.0 name -> source column, for every plain (non-tag) column the file has."""
    if detected.style == LEGACY:
        return {legacy_to_snake(c): c for c in detected.columns if not c.startswith("resourceTags/")}
    return {c: c for c in detected.columns}



def tag_set_expression(detected: list[Detected]) -> str | None:
    """The tags of a CUR 2.0 group's `raw_tags` (its resource_tags column, a MAP or JSON text) as a
    MAP(VARCHAR, VARCHAR), keys without the `user:` / `user_` prefix and empty values left out; tag_sets.py
    evaluates it once per distinct set of tags. None where the files carry no resource_tags column."""
    kind = next((d.columns["resource_tags"] for d in detected if "resource_tags" in d.columns), None)
    if detected[0].style != CUR2 or kind is None:
        return None
    raw = ("raw_tags" if kind.startswith("MAP")
           else "TRY_CAST(TRY_CAST(nullif(raw_tags, '') AS JSON) AS MAP(VARCHAR, VARCHAR))")
    return (
        f"map_from_entries(list_filter(list_transform(map_entries({raw}), lambda e: "
        "{'key': regexp_replace(e.key, '^user[_:]', ''), 'value': e.value}), "
        "lambda e: e.value IS NOT NULL AND e.value <> ''))"
    )


def _legacy_tags(style: str, columns: dict[str, str]) -> str:
    """A MAP(VARCHAR, VARCHAR) of a legacy or CSV-flattened line's tag columns, keys without the `user:` / `user_`
    prefix (a fixed list of columns: built per line)."""
    prefix = "resourceTags/" if style == LEGACY else "resource_tags_"
    tag_columns = [c for c in columns if c.startswith(prefix)]
    if not tag_columns:
        return "NULL::MAP(VARCHAR, VARCHAR)"
    entries = ", ".join(
        "{'key': "
        + "'"
        + re.sub(r"^user[_:]", "", c[len(prefix):]).replace("'", "''")
        + "', 'value': "
        + quote_identifier(c)
        + "}"
        for c in tag_columns
    )
    return f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL AND e.value <> ''))"


def source_select(detected: list[Detected]) -> str:
    """SELECT producing `cur_src` (CUR 2.0 column names) over $files for files of one format."""
    style, container = detected[0].style, detected[0].container
    columns: dict[str, str] = {}
    canonical: dict[str, str] = {}
    for item in detected:
        columns.update(item.columns)
        canonical.update(canonical_columns(item))
    parquet = container == "parquet"
    reader = PARQUET_READER.format(files="$files") if parquet else f"read_csv($files, {CSV_OPTIONS}, filename = true)"
    select = []
    for name in (*REQUIRED, *OPTIONAL):
        source = canonical.get(name)
        select.append(f"{quote_identifier(source)} AS {name}" if source else f"NULL AS {name}")
    for name, key in PRODUCT_MAP_KEYS.items():
        if style == CUR2 and columns.get("product", "").startswith("MAP"):
            value = f"product['{key}']"
        elif style == CUR2 and "product" in columns:
            value = f"json_extract_string(nullif(product, ''), '$.{key}')"
        else:
            value = quote_identifier(canonical[name]) if name in canonical else "NULL"
        if name == "product_vcpu":  # a number here: read once per usage group (file_ingest.ReadOnce), not per line
            value = f"TRY_CAST({value} AS DOUBLE)"
        elif name == "product_region" and (code := canonical.get("product_region_code")):  # where the code is empty
            value = f"CASE WHEN nullif(CAST({quote_identifier(code)} AS VARCHAR), '') IS NULL THEN {value} END"
        select.append(f"{value} AS {name}")
    # CUR 2.0's tags stay as the file holds them (raw_tags; normalize.sql looks each set up in aws_tag_sets), the
    # older layouts' tag columns become a map here (tags); the other is NULL.
    if style == CUR2:
        raw = "resource_tags" if "resource_tags" in columns else "NULL"
        select.append(f"{raw} AS raw_tags, NULL::MAP(VARCHAR, VARCHAR) AS tags")
    else:
        select.append(f"NULL AS raw_tags, {_legacy_tags(style, columns)} AS tags")
    select.append(f"{_fingerprint(detected, canonical, PARQUET_READER_COLUMNS if parquet else 'filename')} "
                  "AS row_fingerprint")
    select.append("filename AS source_file")
    if parquet:
        select.append("file_row_number + 1 AS source_row")  # the data row, as count_dropped names it
    return f"SELECT {', '.join(select)} FROM {reader}"


def _fingerprint(detected: list[Detected], canonical: dict[str, str], added: str) -> str:
    """A 64-bit hash of the line's identity (its id and time interval), or of the whole source row, as the
    file holds it, when the files lack an identity. Lines with one fingerprint are copies only when every
    stored column agrees too (METHODOLOGY.md, "Data rules"), which the ingest and `doctor` check. `added`: the
    columns the reader adds (file name, row position), which are not the line's."""
    if not all(set(IDENTITY) <= set(canonical_columns(item)) for item in detected):
        return f"hash(*COLUMNS(* EXCLUDE ({added})))"
    return f"hash({', '.join(quote_identifier(canonical[name]) for name in IDENTITY)})"
