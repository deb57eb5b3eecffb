"""Recognise Azure cost exports (EA, MCA, legacy usage, localized headers) and rename their columns.

Every Azure export spells the same fields differently: PascalCase (EA), camelCase (MCA), the legacy
usage export's own names (`SubscriptionGuid`, `UsageQuantity`, `PreTaxCost`), and localized headers
that carry the English name in parentheses (`Abonnement-GUID (SubscriptionGuid)`). Detection reads
only the header or schema and maps each column to one field name; `source_select` then produces the
`az_src` relation that azure/normalize.sql reads, so one query serves every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.files import refuse_non_numeric
from cloudcarbon.connectors.read_errors import container_of, explain_read_error
from cloudcarbon.errors import InputError

# Text only (IDs keep their shape), explicit dialect; strict_mode off because real MCA exports
# trip DuckDB's strict CSV checks (see research billing-formats §8).
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, strict_mode = false, union_by_name = true"
)

# Field -> header keys (lower-cased English names) that carry it, in order of preference.
FIELDS: dict[str, tuple[str, ...]] = {
    "subscription_id": ("subscriptionid", "subscriptionguid"),
    "subscription_name": ("subscriptionname",),
    "billing_account_id": ("billingaccountid",),
    "billing_period_start": ("billingperiodstartdate",),
    "usage_date": ("date", "usagedatetime"),
    "meter_category": ("metercategory",),
    "meter_subcategory": ("metersubcategory",),
    "meter_name": ("metername",),
    "meter_region": ("meterregion",),
    "unit_of_measure": ("unitofmeasure",),
    "quantity": ("quantity", "usagequantity"),
    "cost": ("costinbillingcurrency", "pretaxcost"),
    "currency": ("billingcurrencycode", "billingcurrency", "currency"),
    "resource_location": ("resourcelocation",),
    "consumed_service": ("consumedservice",),
    "resource_id": ("resourceid", "instanceid", "instancename"),
    "tags": ("tags",),
    "additional_info": ("additionalinfo",),
    "charge_type": ("chargetype",),
    "pricing_model": ("pricingmodel",),
    "reservation_id": ("reservationid",),
}
REQUIRED = ("subscription_id", "usage_date", "meter_category", "quantity", "cost")
# How the error messages spell a missing field (the names in Microsoft's documentation).
SPELLED = {
    "subscription_id": "SubscriptionId (or SubscriptionGuid)",
    "usage_date": "Date (or UsageDateTime)",
    "meter_category": "MeterCategory",
    "quantity": "Quantity (or UsageQuantity)",
    "cost": "CostInBillingCurrency (or PreTaxCost)",
}
LOCALIZED = re.compile(r"\(([A-Za-z0-9]+)\)\s*$")


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # csv | parquet
    columns: tuple[tuple[str, str], ...]  # (field, source column) for every field the file has
    header_width: int  # number of columns in the file

    @property
    def format(self) -> str:
        """`azure-ea-csv`, `azure-mca-parquet`, `azure-legacy-csv`: the schema family and the container."""
        cost = dict(self.columns)["cost"]
        family = "legacy" if header_key(cost) == "pretaxcost" else ("mca" if cost[:1].islower() else "ea")
        return f"azure-{family}-{self.container}"

    def column(self, field: str) -> str:
        return dict(self.columns).get(field, field)


def header_key(column: str) -> str:
    """`Abonnement-GUID (SubscriptionGuid)` -> `subscriptionguid`; BOM and case do not matter."""
    name = column.lstrip("\ufeff").strip()
    localized = LOCALIZED.search(name)
    return (localized.group(1) if localized else name).lower()


def _foreign_format(keys: set[str]) -> str | None:
    if {"chargeperiodstart", "providername"} <= keys:
        return "a FOCUS export (use `cloudcarbon ingest focus`)"
    if "lineitem/usagetype" in keys or "line_item_usage_type" in keys:
        return "an AWS Cost and Usage Report (use `cloudcarbon ingest aws`)"
    if "sku.description" in keys or {"billing_account_id", "usage.amount"} <= keys:
        return "a GCP billing export (use `cloudcarbon ingest gcp`)"
    return None


def _describe(con: duckdb.DuckDBPyConnection, file: str) -> dict[str, str]:
    """The file's columns and their DuckDB types."""
    reader = "read_parquet($file)" if container_of(file) == "parquet" else f"read_csv($file, {CSV_OPTIONS})"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, container_of(file))}") from None
    return {name: kind for name, kind, *_ in rows}


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Map a file's columns to fields, refusing files that are not Azure usage exports."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; re-download the export")
    names = _describe(con, file)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(header_key(name), name)
    columns = []
    for field, keys in FIELDS.items():
        key = next((k for k in keys if k in by_key), None)
        if key is not None:
            columns.append((field, by_key[key]))
    found = dict(columns)
    if "meter_category" not in found and "subscription_id" not in found:
        foreign = _foreign_format(set(by_key))
        what = f"looks like {foreign}" if foreign else "has no MeterCategory or SubscriptionId column"
        raise InputError(f"{file}: {what}, not an Azure cost export; pass Cost Management exports to `ingest azure`")
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        reason = (
            "cloudcarbon estimates from usage quantities, never from cost"
            if missing[0] == "quantity" else "it is needed for every usage row"
        )
        raise InputError(
            f"{file}: required column {SPELLED[missing[0]]} is missing ({reason}); "
            "export Cost details (actual or amortized) with all columns"
        )
    if container_of(file) == "parquet":
        refuse_non_numeric(file, names, [found[field] for field in ("quantity", "cost")])
    return Detected(file, container_of(file), tuple(columns), len(names))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def source_select(group: list[Detected]) -> str:
    """SELECT the fields of files sharing one header, as text, plus the file name; `$files` lists them."""
    first = group[0]
    reader = (
        "read_parquet($files, filename = true, union_by_name = true)"
        if first.container == "parquet"
        else f"read_csv($files, {CSV_OPTIONS}, filename = true)"
    )
    found = dict(first.columns)
    select = [
        f"CAST({_quote(found[field])} AS VARCHAR) AS {field}" if field in found else f"NULL::VARCHAR AS {field}"
        for field in FIELDS
    ]
    # Exports have no line identity: identical copies are told apart by the whole row, hashed as the file
    # holds it (METHODOLOGY.md, "Data rules").
    select.append("hash(*COLUMNS(* EXCLUDE (filename))) AS row_fingerprint")
    return f"SELECT {', '.join(select)}, filename AS source_file FROM {reader}"
