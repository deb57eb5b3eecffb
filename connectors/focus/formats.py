"""Recognise a FOCUS export (1.0 to 1.4, CSV or Parquet) and rename its columns into one relation.

Detection reads only the header (CSV) or schema (Parquet). Column names are matched case-insensitively
(exporters differ in case). The rename produces the `focus_src` relation that focus/normalize.sql
reads, so one normalisation query serves every version, provider and container. JSON-valued columns
(Tags, SkuPriceDetails, Azure x_SkuDetails) arrive as text in CSV and as MAP/STRUCT in Parquet; they are
handed on as JSON text (tags as a MAP) so the query extracts keys one way.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.files import PARQUET_READER, PARQUET_READER_COLUMNS, refuse_non_numeric
from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

# Text throughout (IDs keep leading zeros; the query casts), "NULL" as the FinOps sample writes it.
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "null_padding = true, union_by_name = true, nullstr = ['', 'NULL']"
)

# focus_src name -> FOCUS column. The mandatory columns of every version that the query needs.
REQUIRED = {
    "charge_period_start": "ChargePeriodStart",
    "billing_period_start": "BillingPeriodStart",
    "billing_account_id": "BillingAccountId",
    "charge_category": "ChargeCategory",
    "effective_cost": "EffectiveCost",
}
# Who provides the service: ServiceProviderName since FOCUS 1.3, which deprecated ProviderName (1.3 files still
# carry it) and 1.4 removed. A file needs one of them; where both are present ServiceProviderName wins.
PROVIDER = ("ServiceProviderName", "ProviderName")
OPTIONAL = {
    "host_provider_name": "HostProviderName",  # 1.3+: whose infrastructure runs it
    # 1.3+ split cost allocation: the method, and the target (a pod) of an allocated row; null on the rest.
    "allocated_method_id": "AllocatedMethodId",
    "allocated_resource_id": "AllocatedResourceId",
    "allocated_resource_name": "AllocatedResourceName",
    "charge_period_end": "ChargePeriodEnd",
    "sub_account_id": "SubAccountId",
    "sub_account_name": "SubAccountName",
    "region_id": "RegionId",
    "region_name": "RegionName",
    "availability_zone": "AvailabilityZone",
    "service_name": "ServiceName",
    "service_category": "ServiceCategory",
    "resource_id": "ResourceId",
    "charge_class": "ChargeClass",
    "charge_description": "ChargeDescription",
    "pricing_category": "PricingCategory",
    "consumed_quantity": "ConsumedQuantity",
    "consumed_unit": "ConsumedUnit",
    "billed_cost": "BilledCost",
    "billing_currency": "BillingCurrency",
    "sku_meter": "SkuMeter",
    "x_usage_type": "x_UsageType",  # AWS
    "x_operation": "x_Operation",  # AWS
    "x_service_code": "x_ServiceCode",  # AWS
}
JSON_COLUMNS = {"sku_price_details": "SkuPriceDetails", "x_sku_details": "x_SkuDetails"}  # 1.1+, Azure
# Columns that first appear in a version (FOCUS_Spec specification/columns at tags v1.1, v1.2; for 1.3 and 1.4
# the column pages' "Introduced (version)"). A file with ServiceProviderName and without ProviderName is 1.4 too:
# 1.3 requires the deprecated ProviderName beside its replacement, 1.4 removed it.
VERSION_MARKERS = {
    "1.4": {"tagdetails"},
    "1.3": {"serviceprovidername", "hostprovidername", "contractapplied", "allocatedmethodid",
            "allocatedmethoddetails", "allocatedresourceid", "allocatedresourcename", "allocatedtags"},
    "1.2": {"billingaccounttype", "subaccounttype", "invoiceid", "pricingcurrency",
            "pricingcurrencyeffectivecost", "pricingcurrencylistunitprice", "pricingcurrencycontractedunitprice"},
    "1.1": {"skupricedetails", "skumeter", "servicesubcategory", "capacityreservationid",
            "capacityreservationstatus", "commitmentdiscountquantity", "commitmentdiscountunit"},
}
# Columns of amounts, which a Parquet file must store as numbers (or text).
AMOUNTS = ("ConsumedQuantity", "EffectiveCost", "BilledCost")
# Columns the query casts, with the type they must parse as (for naming a bad value).
CHECKED = {
    "charge_period_start": "TIMESTAMPTZ",
    "billing_period_start": "TIMESTAMPTZ",
    "charge_period_end": "TIMESTAMPTZ",
    "consumed_quantity": "DOUBLE",
    "effective_cost": "DOUBLE",
    "billed_cost": "DOUBLE",
}


@dataclass(frozen=True)
class Detected:
    file: str
    version: str
    container: str  # csv | parquet
    columns: dict[str, str]  # source column name -> DuckDB type

    @property
    def format(self) -> str:
        return f"focus-{self.version}-{self.container}"

    def spelled(self, focus_name: str) -> str | None:
        """The file's spelling of a FOCUS column, matched case-insensitively."""
        lowered = {c.lower(): c for c in self.columns}
        return lowered.get(focus_name.lower())

    def provider_columns(self) -> list[str]:
        """The file's provider columns, the one that wins first (ServiceProviderName, then ProviderName)."""
        return [spelled for name in PROVIDER if (spelled := self.spelled(name))]


def container_of(file: str) -> str:
    return "parquet" if file.lower().endswith(".parquet") else "csv"


def _reader(container: str, files: str) -> str:
    return (PARQUET_READER.format(files=files) if container == "parquet"
            else f"read_csv({files}, {CSV_OPTIONS}, filename = true)")


def _columns(con: duckdb.DuckDBPyConnection, file: str) -> dict[str, str]:
    container = container_of(file)
    reader = "read_parquet($file)" if container == "parquet" else f"read_csv($file, {CSV_OPTIONS}, sample_size = 1)"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, container)}") from None
    # A UTF-8 byte-order mark would otherwise stick to the first column name.
    return {name.lstrip("\ufeff"): kind for name, kind, *_ in rows}


def _version(columns: dict[str, str]) -> str:
    lowered = {c.lower() for c in columns}
    if "serviceprovidername" in lowered and "providername" not in lowered:
        return "1.4"
    for version, markers in VERSION_MARKERS.items():
        if lowered & markers:
            return version
    return "1.0"


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Which FOCUS version a file is, from its column names; refuses anything that is not FOCUS."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; re-download the export")
    columns = _columns(con, file)
    detected = Detected(file, _version(columns), container_of(file), columns)
    missing = [focus for focus in REQUIRED.values() if detected.spelled(focus) is None]
    if not detected.provider_columns():
        missing.append("ServiceProviderName (or ProviderName, before FOCUS 1.3)")
    if len(missing) == len(REQUIRED) + 1:
        raise InputError(f"{file}: has none of the FOCUS columns ChargePeriodStart, ServiceProviderName (or "
                         "ProviderName), ChargeCategory, so it is not a FOCUS export; use `ingest aws` for CUR files")
    if missing:
        raise InputError(f"{file}: required FOCUS column {missing[0]} is missing"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                         + "; export the FOCUS dataset with all its mandatory columns")
    if detected.container == "parquet":
        refuse_non_numeric(file, columns, [spelled for name in AMOUNTS if (spelled := detected.spelled(name))])
    return detected



def _json_text(column: str, kind: str) -> str:
    """A JSON-valued column as JSON object text. Azure writes AdditionalInfo without its braces at times."""
    if kind.startswith(("MAP", "STRUCT")):
        return f"CAST(to_json({quote_identifier(column)}) AS VARCHAR)"
    text = f"nullif(trim(CAST({quote_identifier(column)} AS VARCHAR)), '')"
    return f"CASE WHEN left({text}, 1) IN ('{{', '[') THEN {text} ELSE '{{' || {text} || '}}' END"


def _tags(column: str | None, kind: str) -> str:
    """Tags as MAP(VARCHAR, VARCHAR): a JSON object (FOCUS), a Parquet map, or GCP's list of
    {key, value, x_type...} structs (system labels such as compute.googleapis.com/machine_spec included)."""
    if column is None:
        return "NULL::MAP(VARCHAR, VARCHAR)"
    quoted = quote_identifier(column)
    if kind.startswith("MAP"):
        return f"CAST({quoted} AS MAP(VARCHAR, VARCHAR))"
    if kind.endswith("[]"):
        return (f"map_from_entries(list_transform({quoted}, "
                "lambda t: {'key': t.key, 'value': CAST(t.value AS VARCHAR)}))")
    text = f"nullif(trim(CAST({quoted} AS VARCHAR)), '')"
    return (
        f"CASE WHEN left({text}, 1) = '[' THEN "
        f"map_from_entries(TRY_CAST(TRY_CAST({text} AS JSON) AS STRUCT(key VARCHAR, value VARCHAR)[])) "
        f"ELSE TRY_CAST(TRY_CAST({text} AS JSON) AS MAP(VARCHAR, VARCHAR)) END"
    )


def source_select(detected: list[Detected]) -> str:
    """SELECT producing `focus_src` over $files for files of one container."""
    union: dict[str, str] = {}
    for item in detected:
        union.update(item.columns)
    merged = Detected(detected[0].file, detected[0].version, detected[0].container, union)
    providers = [f"nullif(trim(CAST({quote_identifier(c)} AS VARCHAR)), '')" for c in merged.provider_columns()]
    select = [f"coalesce({', '.join(providers)}) AS provider_name"]
    for name, focus in (REQUIRED | OPTIONAL).items():
        spelled = merged.spelled(focus)
        select.append(f"{quote_identifier(spelled)} AS {name}" if spelled else f"NULL AS {name}")
    for name, focus in JSON_COLUMNS.items():
        spelled = merged.spelled(focus)
        select.append(f"{_json_text(spelled, union[spelled])} AS {name}" if spelled else f"NULL AS {name}")
    for name, focus in (("tags", "Tags"), ("allocated_tags", "AllocatedTags")):
        spelled = merged.spelled(focus)
        select.append(f"{_tags(spelled, union.get(spelled or '', ''))} AS {name}")
    # FOCUS 1.0-1.4 define no row identity: identical copies are told apart by the whole row, hashed as the
    # file holds it (METHODOLOGY.md, "Data rules").
    parquet = merged.container == "parquet"
    select.append(f"hash(*COLUMNS(* EXCLUDE ({PARQUET_READER_COLUMNS if parquet else 'filename'}))) AS row_fingerprint")
    select.append("filename AS source_file")
    if parquet:
        select.append("file_row_number + 1 AS source_row")  # the data row, as count_dropped names it
    # The GCP system labels a row's kind depends on, as columns: what decides a row's usage group is then columns
    # alone (FocusFiles.group_source), read without taking every row's tags apart.
    labels = ", ".join(f"tags['compute.googleapis.com/{label}'] AS gcp_{label}" for label in ("machine_spec", "cores"))
    return f"SELECT *, {labels} FROM (SELECT {', '.join(select)} FROM {_reader(merged.container, '$files')})"
