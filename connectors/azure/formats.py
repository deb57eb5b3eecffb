"""Recognise Azure cost exports (EA, MCA, legacy usage, localized headers) and rename their columns.

Every Azure export spells the same fields differently: PascalCase (EA), camelCase (MCA), the legacy
usage export's own names (`SubscriptionGuid`, `UsageQuantity`, `PreTaxCost`), the EA Reporting API's
(`ConsumedQuantity`, `Cost`, `ResourceRate`), and localized headers that carry the English name in
parentheses (`Abonnement-GUID (SubscriptionGuid)`). Detection reads only the header or schema, maps each
column to one field name and names the schema (`SCHEMAS`), which is stored as the source format;
`source_select` then produces the `az_src` relation that azure/normalize.sql reads, so one query serves
every format.

The cost-details schemas Microsoft documents (dataset schema index, "Understand cost details fields"),
actual and amortized alike (the two share their columns; amortized rows carry the spread cost):
- EA 2020-01-01, 2021-01-01, 2021-10-01 (other column order), 2023-12-01-preview, 2024-08-01: PascalCase,
  `Quantity`, `CostInBillingCurrency`, `BillingCurrencyCode`                                   -> `ea`
- EA cost details whose cost column is `Cost` (Azure portal "usage details" download and exports of the
  Consumption API's legacy usage details, EA and pay-as-you-go): `Quantity`, `EffectivePrice`, `Cost`,
  `UnitPrice`, `BillingCurrency`; Microsoft: "Cost: see CostInBillingCurrency"                -> `ea-cost`
- EA Reporting API usage details (consumption.azure.com, retired): `SubscriptionGuid` (its
  `SubscriptionId` is a number), `ConsumedQuantity`, `ResourceRate`, `Cost`, no currency column -> `ea-reporting`
- EA 2019-10-01 and pay-as-you-go 2019-11-01 usage exports: `SubscriptionGuid`, `UsageDateTime`,
  `UsageQuantity`, `ResourceRate`, `PreTaxCost` (+ `Currency` in pay-as-you-go)                -> `legacy`
- MCA 2019-10-01 (PascalCase), 2019-11-01, 2021-01-01, 2021-10-01, 2023-12-01-preview (camelCase), and the
  MPA / CSP-subscription variants: `quantity`, `costInBillingCurrency`, `billingCurrency`       -> `mca`
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.files import refuse_non_numeric
from cloudcarbon.connectors.read_errors import container_of, explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

# Text only (IDs keep their shape), explicit dialect; strict_mode off because real MCA exports
# trip DuckDB's strict CSV checks (see research billing-formats §8).
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, strict_mode = false, union_by_name = true"
)

# Field -> header keys (lower-cased English names) that carry it, in order of preference.
FIELDS: dict[str, tuple[str, ...]] = {
    # The GUID first: the EA Reporting export also has a numeric `SubscriptionId`.
    "subscription_id": ("subscriptionguid", "subscriptionid"),
    "subscription_name": ("subscriptionname",),
    "billing_account_id": ("billingaccountid",),
    "billing_period_start": ("billingperiodstartdate",),
    "usage_date": ("date", "usagedatetime"),
    "meter_category": ("metercategory",),
    "meter_subcategory": ("metersubcategory",),
    "meter_name": ("metername",),
    "meter_region": ("meterregion",),
    "unit_of_measure": ("unitofmeasure",),
    "quantity": ("quantity", "usagequantity", "consumedquantity"),
    # The billing-currency cost `CostInBillingCurrency` (EA, MCA) where the schema has it. The schemas without
    # it use: legacy -> `PreTaxCost` (before tax, in the currency of its `Currency` column when it has one);
    # ea-cost -> `Cost` (Microsoft: "see CostInBillingCurrency", its older name; currency `BillingCurrency`);
    # ea-reporting -> `Cost` (the enrollment's extended cost; the file names no currency, so the stored
    # currency is empty). `CostInUsd`, `CostInPricingCurrency` and `PaygCost*` are never used as the cost.
    "cost": ("costinbillingcurrency", "pretaxcost", "cost"),
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
    "quantity": "Quantity (or UsageQuantity, ConsumedQuantity)",
    "cost": "CostInBillingCurrency (or Cost, PreTaxCost)",
}
LOCALIZED = re.compile(r"\(([A-Za-z0-9]+)\)\s*$")
# Columns only Microsoft Customer / Partner Agreement files have (MCA 2019-10-01 is PascalCase like EA).
MCA_ONLY = frozenset({
    "invoiceid", "previousinvoiceid", "pricingcurrency", "pricingcurrencycode", "costinpricingcurrency",
    "serviceperiodstartdate", "partnername", "partnertenantid", "customertenantid", "resellername",
})
# Schema -> what it is, for messages and docs; the source format is `azure-<schema>-<container>`.
SCHEMAS = {
    "ea": "EA cost details (CostInBillingCurrency), versions 2020-01-01 to 2024-08-01",
    "ea-cost": "EA / pay-as-you-go cost details whose cost column is Cost",
    "ea-reporting": "EA Reporting API usage details (ConsumedQuantity, Cost)",
    "legacy": "usage export (UsageQuantity, PreTaxCost): EA 2019-10-01, pay-as-you-go 2019-11-01",
    "mca": "MCA / MPA / CSP cost details (costInBillingCurrency)",
}


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # csv | parquet
    columns: tuple[tuple[str, str], ...]  # (field, source column) for every field the file has
    header_width: int  # number of columns in the file
    schema: str  # a key of SCHEMAS

    @property
    def format(self) -> str:
        """`azure-ea-csv`, `azure-ea-cost-csv`, `azure-mca-parquet`, `azure-legacy-csv`, ...: the schema and
        the container."""
        return f"azure-{self.schema}-{self.container}"

    def column(self, field: str) -> str:
        return dict(self.columns).get(field, field)


def header_key(column: str) -> str:
    """`Abonnement-GUID (SubscriptionGuid)` -> `subscriptionguid`; BOM and case do not matter."""
    name = column.lstrip("\ufeff").strip()
    localized = LOCALIZED.search(name)
    return (localized.group(1) if localized else name).lower()


def schema_of(found: dict[str, str], keys: set[str]) -> str:
    """The documented schema a header belongs to (see the module docstring), from its cost and quantity
    columns and the columns only MCA files have."""
    cost, quantity = header_key(found["cost"]), header_key(found["quantity"])
    if cost == "pretaxcost":
        return "legacy"
    if cost == "cost":
        return "ea-reporting" if quantity == "consumedquantity" else "ea-cost"
    if found["cost"].lstrip("\ufeff")[:1].islower() or keys & MCA_ONLY:
        return "mca"
    return "ea"


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
    return Detected(file, container_of(file), tuple(columns), len(names), schema_of(found, set(by_key)))



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
        f"CAST({quote_identifier(found[field])} AS VARCHAR) AS {field}" if field in found
        else f"NULL::VARCHAR AS {field}"
        for field in FIELDS
    ]
    # Exports have no line identity: identical copies are told apart by the whole row, hashed as the file
    # holds it (METHODOLOGY.md, "Data rules").
    select.append("hash(*COLUMNS(* EXCLUDE (filename))) AS row_fingerprint")
    return f"SELECT {', '.join(select)}, filename AS source_file FROM {reader}"
