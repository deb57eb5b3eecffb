"""EKS/ECS split cost allocation: the pods' and tasks' shares of their parent instances (split.sql), as the TEMP
table `aws_split` that normalize.sql joins to the instances' lines, and `aws_split_tag_sets`, the tag sets
(aws_tag_sets) normalize.sql looks the shared instances' tags up in. Every ingest creates both, empty when the export
has no split_line_item_* columns (then no file is read twice, and no line's tags are looked up twice)."""

from __future__ import annotations

import duckdb

from cloudcarbon.connectors.base import connector_sql

COLUMNS = ("split_line_item_parent_resource_id", "split_line_item_split_usage", "split_line_item_split_usage_ratio")
SCHEMA = ("parent VARCHAR, usage_start TIMESTAMP, target VARCHAR, allocated_weight DOUBLE, vcpu_available DOUBLE, "
          "gb_available DOUBLE, weight DOUBLE, tags MAP(VARCHAR, VARCHAR)")


def prepare(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, list[str]]]) -> None:
    """Fill `aws_split` from each (cur_src SELECT over $files, files) holding split line items."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE aws_split ({SCHEMA})")
    con.execute("CREATE OR REPLACE TEMP TABLE aws_split_tag_sets (tag_set UBIGINT, tags MAP(VARCHAR, VARCHAR))")
    for source_sql, files in sources:
        con.execute(f"INSERT INTO aws_split BY NAME WITH cur_src AS ({source_sql}) "
                    f"SELECT * FROM ({connector_sql(__package__, 'split')})", {"files": files})
    if sources:
        con.execute("INSERT INTO aws_split_tag_sets SELECT tag_set, tags FROM aws_tag_sets")
