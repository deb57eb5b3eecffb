"""CUR 2.0 tags rewritten once per distinct set: the TEMP table `aws_tag_sets` (the hash of a line's resource_tags as
the file holds them -> its tags, keys without the `user_` prefix, empty values left out, and the key the store gives
those tags) that normalize.sql and split.sql look every line up in. A month of millions of lines holds a few
thousand sets (one per tagged resource), and taking a map apart and building it again costs microseconds a line."""

from __future__ import annotations

import duckdb

from cloudcarbon.usage_store import refuse_shared_keys

SCHEMA = "tag_set UBIGINT, tags MAP(VARCHAR, VARCHAR), tags_key UBIGINT"


def prepare(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, dict[str, object], str]]) -> None:
    """Fill `aws_tag_sets` from each (cur_src SELECT, its parameters, formats.tag_set_expression of its files)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE aws_tag_sets ({SCHEMA})")
    for source_sql, params, expression in sources:
        con.execute(f"INSERT INTO aws_tag_sets SELECT tag_set, tags, tags_key(tags) FROM (SELECT hash(raw_tags) AS "
                    f"tag_set, {expression} AS tags FROM (SELECT DISTINCT raw_tags FROM ({source_sql}) "
                    "WHERE raw_tags IS NOT NULL))", params)
    if len(sources) > 1:  # a set two groups of files share is rewritten alike: it must look up one row
        con.execute("CREATE OR REPLACE TEMP TABLE aws_tag_sets AS SELECT DISTINCT * FROM aws_tag_sets")
    refuse_shared_keys(con, "aws_tag_sets", "tag_set", "set(s) of CUR tags")  # lines look theirs up by that hash
