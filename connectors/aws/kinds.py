"""What each kind of CUR line is (classify.sql: instance type, storage, usage kind), as the TEMP table
`aws_usage_kinds` that normalize.sql joins back to every line: the regular expressions run once per kind, not
once per line. Every ingest creates it from the export it loads: from its distinct usage groups, read before the lines
(file_ingest.FileIngest.read_group_rows), whose columns include every one the kind depends on."""

from __future__ import annotations

import duckdb

from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.usage_store import refuse_shared_keys

KEYS = "usage_type, unit, product_code, product_instance_type"
# The columns of cur_src that decide a line's usage group in normalize.sql: its own and its kind's (KEYS); the
# split parent, because a pod's line is left out (connectors/file_ingest.py, group_source).
GROUP_SOURCE = (
    "bill_billing_period_start_date", "bill_payer_account_id", "line_item_usage_account_id",
    "line_item_usage_account_name", "line_item_line_item_type", "line_item_product_code", "line_item_usage_type",
    "line_item_operation", "line_item_availability_zone", "product_region_code", "product_instance_type",
    "pricing_unit", "line_item_currency_code", "split_line_item_parent_resource_id", "source_file",
)
# And the product's region and vCPUs: CUR 2.0 holds them in the product map, which is most of the cost of reading a
# line, and a product's attributes are the same on each of its lines (file_ingest.FileIngest.group_attributes).
GROUP_ATTRIBUTES = ("product_region", "product_vcpu")
# The consumed quantity, which normalize.sql derives the instance-, vCPU-, storage-hours... of a line from.
QUANTITY = "line_item_usage_amount"


def prepare(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, dict[str, object]]]) -> None:
    """Fill `aws_usage_kinds` from each (cur_src SELECT, its parameters) the ingest loads: one row per kind."""
    classify = connector_sql(__package__, "classify")
    for number, (source_sql, params) in enumerate(sources):
        verb = "CREATE OR REPLACE TEMP TABLE aws_usage_kinds AS" if number == 0 else "INSERT INTO aws_usage_kinds"
        con.execute(f"{verb} WITH cur_src AS ({source_sql}) SELECT * FROM ({classify})", params)
    if len(sources) > 1:  # a kind two groups of files share must join one row, or its lines would count twice
        con.execute(f"CREATE OR REPLACE TEMP TABLE aws_usage_kinds AS SELECT DISTINCT ON ({KEYS}) * "
                    "FROM aws_usage_kinds")
    refuse_shared_keys(con, "aws_usage_kinds", "kind_key", "kind(s) of CUR line")  # lines join it by that hash
