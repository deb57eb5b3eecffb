"""The generator's DuckDB side: lookup tables, series (random or the demo fleet), and every line item as SQL,
written as CUR 2.0 Parquet or CSV by `generate`."""

from __future__ import annotations

import calendar
import math
import re
import tempfile
from dataclasses import astuple, fields
from datetime import date
from pathlib import Path

import duckdb

from tools.generate_cur.fleet import (
    ACCOUNTS,
    BUSINESS_UNITS,
    DEMO_FLEET,
    ENVS,
    EU_ENTITY,
    FUTURE_TYPE,
    GPU_REGIONS,
    KINDS,
    OPERATING_SYSTEMS,
    POOL_FALLBACK,
    POOLS,
    REGIONS,
    TEAMS,
    Kind,
)

# Series per kind that random mode aims for: enough resources to spread over 200+ instance types,
# few enough that each resource runs for many consecutive hours at 10M rows.
TARGET_SERIES = 3000
# At most this many row blocks: the block table is joined against every row.
MAX_BLOCKS = 20000


# ---------------------------------------------------------------------------------------------------
# Lookup tables
# ---------------------------------------------------------------------------------------------------


def parse_months(text: str) -> list[date]:
    """'2025-01,2025-02' -> first days of those months, in the order given."""
    months = []
    for part in text.split(","):
        if not re.fullmatch(r"\d{4}-\d{2}", part.strip()):
            raise SystemExit(f"--months: expected YYYY-MM[,YYYY-MM...], got {part!r}")
        year, month = (int(x) for x in part.strip().split("-"))
        months.append(date(year, month, 1))
    return months


def create_static_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Regions, accounts, operating systems and kinds, plus weighted 'slot' tables for hash picks."""
    con.execute("CREATE TABLE regions (region_idx INT, code VARCHAR, prefix VARCHAR, location VARCHAR, "
                "price_mult DOUBLE, weight INT, gpu_weight INT)")
    con.executemany("INSERT INTO regions VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, *r, GPU_REGIONS.get(r[0], 0)) for i, r in enumerate(REGIONS)])
    con.execute("CREATE TABLE accounts (acct_idx INT, payer_id VARCHAR, payer_name VARCHAR, entity VARCHAR, "
                "acct_id VARCHAR, acct_name VARCHAR, weight INT)")
    con.executemany("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, *a) for i, a in enumerate(ACCOUNTS)])
    con.execute("CREATE TABLE os (os_idx INT, os VARCHAR, os_operation VARCHAR, os_add DOUBLE, weight INT)")
    con.executemany("INSERT INTO os VALUES (?, ?, ?, ?, ?)", [(i, *o) for i, o in enumerate(OPERATING_SYSTEMS)])

    cols = ", ".join(f"{f.name} {_sql_type(f.type)}" for f in fields(Kind))
    con.execute(f"CREATE TABLE kind_defs (kid INT, {cols})")
    marks = ", ".join("?" for _ in range(len(fields(Kind)) + 1))
    con.executemany(f"INSERT INTO kind_defs VALUES ({marks})",
                    [(i, *_row(k)) for i, k in enumerate(KINDS)])
    # Slot tables: a weight-w item appears w times, so `slot = hash % n` picks it with probability w/total.
    con.execute("""
        CREATE TABLE region_slots AS
        SELECT rpool, row_number() OVER (PARTITION BY rpool ORDER BY region_idx, r) - 1 AS k, region_idx
        FROM (SELECT 'all' AS rpool, region_idx, unnest(range(weight)) AS r FROM regions
              UNION ALL
              SELECT 'gpu', region_idx, unnest(range(gpu_weight)) FROM regions)
    """)
    con.execute("""
        CREATE TABLE account_slots AS
        SELECT row_number() OVER (ORDER BY acct_idx, r) - 1 AS k, acct_idx
        FROM (SELECT acct_idx, unnest(range(weight)) AS r FROM accounts)
    """)
    con.execute("""
        CREATE TABLE os_slots AS
        SELECT row_number() OVER (ORDER BY os_idx, r) - 1 AS k, os_idx
        FROM (SELECT os_idx, unnest(range(weight)) AS r FROM os)
    """)


def _sql_type(py_type: object) -> str:
    text = str(py_type)
    if text.startswith("tuple"):
        return "VARCHAR[]"
    return {"str": "VARCHAR", "float": "DOUBLE", "bool": "BOOLEAN"}[text]


def _row(kind: Kind) -> tuple[object, ...]:
    return tuple(list(v) if isinstance(v, tuple) else v for v in astuple(kind))


GRAVITON = "(cpu_model ILIKE '%Graviton%' OR regexp_matches(fam, '^[a-z]+[0-9]+g'))"
AMD = "(cpu_model ILIKE '%AMD%' OR regexp_matches(fam, '^[a-z]+[0-9]+a'))"
# $/h per accelerator, fitted to public on-demand prices (p5 / p4d / p3 / g5 / g6 / g4dn / inf2 / trn1)
ACCELERATOR_PRICES = [("B200", 16.0), ("B300", 16.0), ("GB200", 16.0), ("H200", 13.0), ("H100", 11.5),
                      ("A100", 3.9), ("V100", 2.6), ("RTX PRO", 2.0), ("Gaudi", 1.6), ("L40S", 1.3),
                      ("Trainium", 1.0), ("A10G", 0.75), ("L4", 0.55), ("Inferentia2", 0.55), ("T4", 0.35),
                      ("Inferentia", 0.3)]
ACCELERATOR_PRICE = ("CASE " + " ".join(f"WHEN gpu_model ILIKE '%{m}%' THEN {p}" for m, p in ACCELERATOR_PRICES)
                     + " ELSE 1.0 END")
POPULAR_FAMILIES = ("'m5', 'c5', 'r5', 'm6i', 'c6i', 'r6i', 't3', 'm7g', 'c7g', 'r6g', 'm6g', 'r7g', 'g5', 'g4dn', "
                    "'t4g', 'c7i', 'm7i'")
ITYPES_SQL = f"""
    CREATE TABLE itypes AS
    WITH t AS (
        SELECT *,
               coalesce(family, split_part(instance_type, '.', 1)) AS fam,
               split_part(instance_type, '.', 2) AS size,
               TRY_CAST(regexp_extract(coalesce(family, instance_type), '[0-9]+') AS INT) AS gen,
               instance_type = $future AS future
        FROM raw_itypes
    ), u AS (
        SELECT *,
               accelerator_kind IS NOT NULL OR gpu_count > 0
                   OR regexp_matches(fam, '^(p[0-9]|g[0-9]|inf|trn|dl|f[0-9]|vt)') AS accel
        FROM t
    )
    SELECT row_number() OVER (ORDER BY instance_type) - 1 AS itype_idx, instance_type, fam AS family,
           vcpus, memory_gib, gpu_model, gpu_count, accel, future,
           CASE WHEN memory_gib = floor(memory_gib) THEN CAST(memory_gib::BIGINT AS VARCHAR)
                ELSE CAST(memory_gib AS VARCHAR) END || ' GiB' AS memory_text,
           coalesce(cpu_model,
                    CASE WHEN {GRAVITON} THEN 'AWS Graviton Processor'
                         WHEN {AMD} THEN 'AMD EPYC 7R13 Processor'
                         ELSE 'Intel Xeon Family' END) AS processor,
           CASE WHEN {GRAVITON} THEN 'arm64' ELSE '64-bit' END AS arch,
           CASE WHEN fam LIKE 'inf%' OR fam LIKE 'trn%' THEN 'Machine Learning ASIC Instances'
                WHEN accel THEN 'GPU instance'
                WHEN fam LIKE 'c%' THEN 'Compute optimized'
                WHEN regexp_matches(fam, '^(r|x|z|u)') THEN 'Memory optimized'
                WHEN regexp_matches(fam, '^(i|d|h)') THEN 'Storage optimized'
                ELSE 'General purpose' END AS family_text,
           -- size-flexibility units: large = 4, xlarge = 8, Nxlarge = 8N
           CASE size WHEN 'nano' THEN 0.25 WHEN 'micro' THEN 0.5 WHEN 'small' THEN 1 WHEN 'medium' THEN 2
                     WHEN 'large' THEN 4 WHEN 'xlarge' THEN 8
                     ELSE coalesce(TRY_CAST(regexp_extract(size, '^([0-9]+)xlarge$', 1) AS DOUBLE) * 8,
                                   vcpus * 2) END AS norm_factor,
           -- on-demand Linux $/h in us-east-1: a vCPU + GiB fit of the public price list, plus the
           -- accelerators; Graviton and AMD are cheaper than Intel.
           round((0.031 * vcpus + 0.0042 * memory_gib)
                 * CASE WHEN {GRAVITON} THEN 0.8 WHEN {AMD} THEN 0.9 ELSE 1 END
                 + gpu_count * {ACCELERATOR_PRICE}, 4) AS hourly,
           -- pool weight: popular current families and small sizes dominate real fleets
           (CASE WHEN fam IN ({POPULAR_FAMILIES}) THEN 8 WHEN gen <= 3 THEN 1 ELSE 2 END)
           * (CASE WHEN vcpus <= 4 THEN 6 WHEN vcpus <= 8 THEN 4 WHEN vcpus <= 16 THEN 3
                   WHEN vcpus <= 32 THEN 2 ELSE 1 END) AS weight
    FROM u
"""


def create_instance_tables(con: duckdb.DuckDBPyConnection, instances_csv: Path) -> None:
    """AWS instance types from the coefficient table, with derived price, processor and pool weights."""
    if not instances_csv.exists():
        raise SystemExit(f"instance table not found: {instances_csv} (pass --instances PATH)")
    source = "read_csv($path, header = true, all_varchar = true)"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}", {"path": str(instances_csv)})
               .fetchall()}
    # cpu_model and accelerator_kind are optional: a minimal table has only the columns named in --help
    cpu = "cpu_model" if "cpu_model" in present else "NULL"
    kind = "accelerator_kind" if "accelerator_kind" in present else "NULL"
    con.execute(f"""
        CREATE TABLE raw_itypes AS
        SELECT instance_type, any_value(family) AS family,
               any_value(TRY_CAST(vcpus AS DOUBLE)) AS vcpus,
               any_value(TRY_CAST(memory_gib AS DOUBLE)) AS memory_gib,
               any_value(coalesce(gpu_model, '')) AS gpu_model,
               any_value(coalesce(TRY_CAST(gpu_count AS DOUBLE), 0)) AS gpu_count,
               any_value({cpu}) AS cpu_model, any_value({kind}) AS accelerator_kind
        FROM {source}
        WHERE lower(provider) = 'aws' AND TRY_CAST(vcpus AS DOUBLE) > 0
        GROUP BY instance_type
    """, {"path": str(instances_csv)})
    name, family, vcpus, memory = FUTURE_TYPE
    con.execute("""
        INSERT INTO raw_itypes SELECT $name, $family, $vcpus, $memory, '', 0, NULL, NULL
        WHERE NOT EXISTS (SELECT 1 FROM raw_itypes WHERE instance_type = $name)
    """, {"name": name, "family": family, "vcpus": vcpus, "memory": memory})
    con.execute(ITYPES_SQL, {"future": FUTURE_TYPE[0]})
    con.execute("CREATE TABLE pool_slots (pool VARCHAR, k BIGINT, itype_idx BIGINT)")
    for pool, predicate in POOLS.items():
        for where in (predicate, POOL_FALLBACK):
            con.execute(f"""
                INSERT INTO pool_slots
                SELECT $pool, row_number() OVER (ORDER BY itype_idx, r) - 1, itype_idx
                FROM (SELECT itype_idx, unnest(range(weight)) AS r FROM itypes WHERE {where})
            """, {"pool": pool})
            if con.execute("SELECT count(*) FROM pool_slots WHERE pool = $pool", {"pool": pool}).fetchone()[0]:
                break
    con.execute("CREATE TABLE pool_sizes AS SELECT pool, count(*) AS n FROM pool_slots GROUP BY pool")


def create_periods(con: duckdb.DuckDBPyConnection, months: list[date], step_hours: int) -> int:
    """Slots: gran 0 = hours (or days) across all months, gran 1 = whole months. Returns the period count."""
    rows = []
    for idx, first in enumerate(months):
        days = calendar.monthrange(first.year, first.month)[1]
        rows.append((idx, first.isoformat(), days * 24))
    con.execute("CREATE TABLE months (month_idx INT, month_start TIMESTAMP, month_hours DOUBLE)")
    con.executemany("INSERT INTO months VALUES (?, ?, ?)", rows)
    con.execute("""
        CREATE TABLE slots AS
        WITH m AS (
            SELECT *, month_start + INTERVAL 1 MONTH AS month_end FROM months
        ), p AS (
            SELECT m.*, unnest(generate_series(month_start, month_end - to_hours($step), to_hours($step))) AS ts
            FROM m
        )
        SELECT 0 AS gran, row_number() OVER (ORDER BY month_idx, ts) - 1 AS idx, ts AS start_ts,
               ts + to_hours($step) AS end_ts, $step::DOUBLE AS hours, month_hours, month_idx,
               month_start AS bill_start, month_end AS bill_end
        FROM p
        UNION ALL
        SELECT 1, month_idx, month_start, month_end, month_hours, month_hours, month_idx, month_start, month_end
        FROM m
    """, {"step": step_hours})
    con.execute("""
        ALTER TABLE slots ADD COLUMN time_interval VARCHAR;
        UPDATE slots SET time_interval = strftime(start_ts, '%Y-%m-%dT%H:%M:%SZ') || '/'
                                         || strftime(end_ts, '%Y-%m-%dT%H:%M:%SZ');
    """)
    return con.execute("SELECT count(*) FROM slots WHERE gran = 0").fetchone()[0]


# ---------------------------------------------------------------------------------------------------
# Series: random mode
# ---------------------------------------------------------------------------------------------------


def plan_kinds(con: duckdb.DuckDBPyConnection, rows: int, periods: int, n_months: int, block: int) -> int:
    """Rows, series length and row blocks per kind (random mode). Returns the number of blocks."""
    total = sum(k.share for k in KINDS)
    counts = [round(rows * k.share / total) for k in KINDS]
    counts[0] += rows - sum(counts)  # rounding remainder goes to the biggest kind
    plan, first_block = [], 0
    for kid, (kind, n) in enumerate(zip(KINDS, counts, strict=True)):
        length = 1 if kind.monthly else max(1, min(periods, n // TARGET_SERIES))
        blocks = math.ceil(n / block)
        plan.append((kid, n, length, math.ceil(n / length) if n else 0, first_block, blocks))
        first_block += blocks
    con.execute("CREATE TABLE kind_plan (kid INT, n BIGINT, len BIGINT, n_series BIGINT, first_block BIGINT, "
                "n_blocks BIGINT)")
    con.executemany("INSERT INTO kind_plan VALUES (?, ?, ?, ?, ?, ?)", plan)
    con.execute(f"""
        CREATE TABLE kinds AS
        SELECT d.*, p.n, p.len, p.n_series, p.first_block, p.n_blocks,
               coalesce(m.kid, d.kid) AS hk,
               CASE WHEN d.monthly THEN 1 ELSE 0 END AS gran,
               CASE WHEN d.gpu_regions THEN 'gpu' ELSE 'all' END AS rpool,
               {n_months} AS n_months, {periods} AS n_periods
        FROM kind_defs d JOIN kind_plan p USING (kid) LEFT JOIN kind_defs m ON m.name = d.mirror
    """)
    return first_block


def create_blocks(con: duckdb.DuckDBPyConnection, n_blocks: int, block: int) -> None:
    """Block table: a permutation of block ids interleaves the kinds through the file."""
    stride = next(s for s in range(int(n_blocks * 0.618) | 1, 10 * n_blocks + 3) if math.gcd(s, n_blocks) == 1)
    con.execute(f"""
        CREATE TABLE blocks AS
        WITH b AS (SELECT kid, n, first_block, unnest(range(n_blocks)) AS kb FROM kinds)
        SELECT (first_block + kb) * {stride} % {n_blocks} AS bid, kid, kb * {block} AS j0,
               least({block}, n - kb * {block}) AS nrows
        FROM b
    """)


def create_random_series(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """One row per resource, every attribute picked by hashing (kind, series number, seed)."""
    con.execute(f"""
        CREATE TABLE series AS
        WITH b AS (
            SELECT kid, hk, pool, rpool, monthly, taggable, os_mix, len, n_months, n_periods, units_lo, units_hi,
                   unnest(range(n_series)) AS s
            FROM kinds
        ), h AS (
            -- 63-bit signed hashes: BIGINT arithmetic and list indexes stay simple
            SELECT *, (hash(hk, s, {seed}) >> 1)::BIGINT AS h1, (hash(hk, s, {seed}, 'b') >> 1)::BIGINT AS h2
            FROM b
        )
        SELECT h.kid, h.s, pl.itype_idx, rs.region_idx, ac.acct_idx,
               CASE WHEN os_mix THEN os.os_idx ELSE 0 END AS os_idx,
               -- log-uniform quantity: a few big volumes/buckets, many small ones
               units_lo * pow(units_hi / units_lo, (h2 % 1000003) / 1000003.0) AS units,
               CASE WHEN monthly THEN (h2 >> 20) % n_months ELSE (h2 >> 20) % (n_periods - len + 1) END AS start,
               CASE WHEN taggable AND (h2 >> 40) % 100 >= 15 THEN {_pick(TEAMS, "h2 >> 44")} END AS team,
               CASE WHEN taggable AND (h2 >> 40) % 100 >= 15 THEN {_pick(ENVS, "h2 >> 50")} END AS env,
               CASE WHEN taggable AND (h2 >> 40) % 100 >= 60 THEN 'CC-' || (1000 + (h2 >> 56) % 40) END
                   AS cost_center,
               (h1 >> 48) % {len(REGIONS)} AS dst_region_idx
        FROM h
        JOIN (SELECT rpool, count(*) AS n FROM region_slots GROUP BY rpool) rz USING (rpool)
        JOIN region_slots rs ON rs.rpool = h.rpool AND rs.k = (h1 >> 16) % rz.n
        JOIN account_slots ac ON ac.k = (h1 >> 32) % (SELECT count(*) FROM account_slots)
        JOIN os_slots os ON os.k = (h2 >> 8) % (SELECT count(*) FROM os_slots)
        LEFT JOIN pool_sizes ps ON ps.pool = h.pool
        LEFT JOIN pool_slots pl ON pl.pool = h.pool AND pl.k = h1 % ps.n
    """)


def _pick(values: list[str], bits: str) -> str:
    """SQL expression choosing one of `values` from hash bits."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"[{quoted}][1 + ({bits}) % {len(values)}]"


RANDOM_ROWS = """
    SELECT t.i, b.kid, (b.j0 + t.i % {block}) // k.len AS s, (b.j0 + t.i % {block}) % k.len AS o
    FROM range({n_rows}) t(i)
    JOIN blocks b ON b.bid = t.i // {block}
    JOIN kinds k ON k.kid = b.kid
    WHERE t.i % {block} < b.nrows
"""


def create_demo_series(con: duckdb.DuckDBPyConnection) -> None:
    """Series from DEMO_FLEET; SavingsPlan-covered entries get their negation twin automatically."""
    kind_ids = {k.name: i for i, k in enumerate(KINDS)}
    region_ids = {r[0]: i for i, r in enumerate(REGIONS)}
    mirrors = {k.mirror: k.name for k in KINDS if k.mirror}
    rows, next_s = [], dict.fromkeys(kind_ids, 0)
    for kind, itype, region, acct, count, units, team, env, cc, start, days in DEMO_FLEET:
        for _ in range(count):
            for name in filter(None, (kind, mirrors.get(kind))):
                rows.append((kind_ids[name], next_s[kind], itype or None, region_ids[region],
                             acct, units, start, days, team or None, env or None, cc or None))
            next_s[kind] += 1
    con.execute("CREATE TABLE demo_fleet (kid INT, s BIGINT, itype VARCHAR, region_idx INT, acct_idx INT, "
                "units DOUBLE, start BIGINT, len BIGINT, team VARCHAR, env VARCHAR, cost_center VARCHAR)")
    con.executemany("INSERT INTO demo_fleet VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    missing = con.execute("SELECT DISTINCT itype FROM demo_fleet WHERE itype IS NOT NULL "
                          "AND itype NOT IN (SELECT instance_type FROM itypes)").fetchall()
    if missing:
        raise SystemExit(f"demo fleet uses instance types missing from instances.csv: {missing}")
    con.execute(f"""
        CREATE TABLE series AS
        SELECT f.kid, f.s, i.itype_idx, f.region_idx, f.acct_idx, 0 AS os_idx, f.units, f.start, f.len,
               f.team, f.env, f.cost_center, (f.region_idx + 3) % {len(REGIONS)} AS dst_region_idx
        FROM demo_fleet f LEFT JOIN itypes i ON i.instance_type = f.itype
    """)


DEMO_ROWS = """
    SELECT row_number() OVER (ORDER BY s.kid, s.s, o) - 1 AS i, s.kid, s.s, o
    FROM (SELECT kid, s, unnest(range(len)) AS o FROM series) s
"""


def create_demo_kinds(con: duckdb.DuckDBPyConnection, periods: int, n_months: int) -> None:
    con.execute(f"""
        CREATE TABLE kinds AS
        SELECT d.*, coalesce(m.kid, d.kid) AS hk, CASE WHEN d.monthly THEN 1 ELSE 0 END AS gran,
               {n_months} AS n_months, {periods} AS n_periods
        FROM kind_defs d LEFT JOIN kind_defs m ON m.name = d.mirror
    """)


# ---------------------------------------------------------------------------------------------------
# Line items
# ---------------------------------------------------------------------------------------------------


def _fill(template: str) -> str:
    """SQL that fills a Kind template's placeholders from series_x columns."""
    expr = template
    for key, col in [("{p}", "p"), ("{P}", "pp"), ("{dst}", "dst_prefix"), ("{t}", "itype"), ("{f}", "ifamily"),
                     ("{region}", "region"), ("{acct}", "acct_id"), ("{id}", "rid"), ("{n}", "CAST(s AS VARCHAR)"),
                     ("{rate}", "CAST(round(od_rate * charge_mult, 4) AS VARCHAR)"), ("{location}", "location"),
                     ("{os}", "os"), ("{sku}", "sku")]:
        expr = f"replace({expr}, '{key}', coalesce({col}, ''))"
    return expr


def create_series_x(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Everything constant for a resource: strings, maps, rates. Computed once per series, not per row."""
    con.execute(f"""
        CREATE TABLE series_a AS
        SELECT s.*, k.* EXCLUDE (kid),
               r.code AS region, r.location, r.price_mult,
               CASE WHEN r.code = 'us-east-1' THEN '' ELSE r.prefix || '-' END AS p, r.prefix || '-' AS pp,
               dr.prefix AS dst_prefix,
               a.payer_id, a.payer_name, a.entity, a.acct_id, a.acct_name,
               o.os, o.os_operation, o.os_add,
               i.instance_type AS itype, i.family AS ifamily, i.vcpus, i.memory_text, i.gpu_count, i.gpu_model,
               i.processor, i.arch, i.family_text, i.norm_factor, i.hourly,
               lower(lpad(hex(hash(k.hk, s.s, {seed}, 'id')), 17, '0')) AS rid,
               CASE WHEN k.rate > 0 THEN k.rate
                    ELSE (i.hourly + o.os_add * coalesce(i.vcpus, 0)) * k.rate_mult END
                   * CASE WHEN k.regional THEN r.price_mult ELSE 1 END AS od_rate
        FROM series s JOIN kinds k USING (kid)
        JOIN regions r ON r.region_idx = s.region_idx
        JOIN regions dr ON dr.region_idx = s.dst_region_idx
        JOIN accounts a ON a.acct_idx = s.acct_idx
        JOIN os o ON o.os_idx = s.os_idx
        LEFT JOIN itypes i ON i.itype_idx = s.itype_idx
    """)
    con.execute(f"""
        ALTER TABLE series_a ADD COLUMN sku VARCHAR;
        UPDATE series_a SET sku = upper(substr(md5(product_code || {_fill('usage_type')} || region || os), 1, 16));
    """)
    bu = " ".join(f"WHEN '{team}' THEN '{unit}'" for team, unit in BUSINESS_UNITS.items())
    con.execute(f"""
        CREATE TABLE series_x AS
        SELECT kid, hk, s, start, amount, vary, cost, units, charge_mult, od_rate, gran, ifamily,
               CASE cost WHEN 'ri' THEN 0 WHEN 'sp_negation' THEN -od_rate WHEN 'tax' THEN units
                         WHEN 'credit' THEN -units ELSE od_rate * charge_mult END AS rate,
               CASE WHEN cost IN ('tax', 'credit', 'sp_negation') OR item_type = 'RIFee' THEN 0 ELSE od_rate END
                   AS public_rate,

               CASE WHEN pool <> '' AND type_fmt <> '' AND pmap <> 'generic' THEN norm_factor ELSE 0 END AS norm,
               payer_id, payer_name, entity, acct_id, acct_name, item_type, product_code,
               {_fill('usage_type')} AS usage_type,
               CASE WHEN os_mix AND operation = 'RunInstances' THEN os_operation ELSE operation END AS operation,
               CASE WHEN zonal THEN region || chr(97 + CAST(hash(rid) % 3 AS INT)) ELSE '' END AS az,
               {_fill('resource')} AS resource_id,
               {_fill('description')} AS description,
               CASE item_type WHEN 'Tax' THEN CASE WHEN entity = '{EU_ENTITY}' THEN 'VAT' ELSE 'US Sales Tax' END
                    ELSE '' END AS tax_type,
               unit, term, family, coalesce(nullif(servicecode, ''), product_code) AS servicecode,
               CASE WHEN pool <> '' THEN replace(type_fmt, '{{t}}', itype) ELSE '' END AS product_instance_type,
               CASE WHEN pool <> '' AND type_fmt <> '' THEN family_text ELSE '' END AS product_instance_family,
               CASE WHEN regional THEN region ELSE '' END AS region_code,
               CASE WHEN regional THEN location ELSE '' END AS location,
               CASE WHEN regional THEN 'AWS Region' ELSE '' END AS location_type,
               CASE WHEN item_type IN ('Tax', 'Credit') THEN '' ELSE sku END AS sku,
               CASE WHEN item_type IN ('Tax', 'Credit') THEN ''
                    ELSE sku || CASE term WHEN 'Reserved' THEN '.4NA7Y494T4' ELSE '.JRTCKXETXF' END || '.6YS6EN2CT7'
                    END AS rate_code,
               CASE WHEN family = 'Data Transfer' THEN location ELSE '' END AS from_location,
               CASE WHEN family = 'Data Transfer' THEN
                    CASE WHEN usage_type LIKE '%AWS-Out%' THEN 'Other AWS Region' ELSE 'External' END
                    ELSE '' END AS to_location,
               MAP(list_concat(['product_name'], CASE WHEN regional THEN ['region'] ELSE [] END, extra_keys,
                               {_pmap_case(0)}),
                   list_concat([product_name], CASE WHEN regional THEN [region] ELSE [] END, extra_vals,
                               {_pmap_case(1)})) AS product,
               map_from_entries(list_filter([{{'key': 'user_team', 'value': team}},
                                             {{'key': 'user_env', 'value': env}},
                                             {{'key': 'user_cost_center', 'value': cost_center}}],
                                            lambda e: e.value IS NOT NULL)) AS resource_tags,
               CASE WHEN team IS NULL THEN MAP([]::VARCHAR[], []::VARCHAR[])
                    ELSE MAP(['business_unit'], [CASE team {bu} END]) END AS cost_category,
               CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN
                    'arn:aws:ec2:' || region || ':' || acct_id || ':reserved-instances/'
                    || {_uuid("hash(acct_id, itype, region, 'ri')")} ELSE '' END AS ri_arn,
               CASE WHEN cost IN ('sp', 'sp_negation') THEN
                    'arn:aws:savingsplans::' || payer_id || ':savingsplan/' || {_uuid("hash(payer_id, 'sp')")}
                    ELSE '' END AS sp_arn
        FROM series_a
    """)
    # Rates are constant per resource: format them here once instead of on every line item.
    con.execute("""
        ALTER TABLE series_x ADD COLUMN blended_rate DOUBLE;
        UPDATE series_x SET blended_rate = CASE WHEN cost = 'ri' THEN od_rate * 0.7 ELSE rate END;
        ALTER TABLE series_x ADD COLUMN rate_text VARCHAR;
        ALTER TABLE series_x ADD COLUMN blended_rate_text VARCHAR;
        ALTER TABLE series_x ADD COLUMN public_rate_text VARCHAR;
        UPDATE series_x SET rate_text = CAST(round(rate, 10) AS VARCHAR),
                            blended_rate_text = CAST(round(blended_rate, 10) AS VARCHAR),
                            public_rate_text = CAST(round(public_rate, 10) AS VARCHAR);
    """)


def _uuid(hash_expr: str) -> str:
    """SQL for a stable UUID-looking string from a hash expression."""
    return (f"regexp_replace(md5(CAST({hash_expr} AS VARCHAR)), "
            r"'^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5')")


INSTANCE_KEYS = {
    "instance": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
                 ("physical_processor", "processor"), ("processor_architecture", "arch"),
                 ("operating_system", "os"), ("tenancy", "tenancy"),
                 ("current_generation", "'Yes'"), ("license_model", "'No License required'"),
                 ("pre_installed_sw", "'NA'"), ("storage", "'EBS only'"),
                 ("network_performance", "'Up to 12500 Megabit'"),
                 ("instance_family", "family_text")],
    "db": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
           ("physical_processor", "processor"), ("license_model", "'No license required'"),
           ("instance_type_family", "ifamily")],
    "cache": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
              ("network_performance", "'Up to 10 Gigabit'"), ("current_generation", "'Yes'")],
    "ml": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory", "memory_text"),
           ("instance_name", "'ml.' || itype")],
    "search": [("vcpu", "CAST(vcpus::BIGINT AS VARCHAR)"), ("memory_gib", "memory_text"),
               ("storage", "'EBS Only'")],
}
GPU_KEYS = [("gpu", "CAST(gpu_count::BIGINT AS VARCHAR)"), ("gpu_memory", "'NA'"), ("gpu_model", "gpu_model")]


def _pmap_case(pick: int) -> str:
    """CASE over the kind's product-map shape, yielding key (pick=0) or value (pick=1) lists."""
    arms = []
    for shape, pairs in INSTANCE_KEYS.items():
        items = ", ".join(pair[pick] if pick else f"'{pair[0]}'" for pair in pairs)
        gpu = ", ".join(pair[pick] if pick else f"'{pair[0]}'" for pair in GPU_KEYS)
        arms.append(f"WHEN pmap = '{shape}' AND coalesce(gpu_count, 0) > 0 THEN [{items}, {gpu}]")
        arms.append(f"WHEN pmap = '{shape}' THEN [{items}]")
    return f"CASE {' '.join(arms)} ELSE []::VARCHAR[] END"


LINE_ITEMS = """
WITH r AS ({rows}),
x AS (
    -- h varies usage by (resource, period), not by row, so a SavingsPlanNegation line repeats the
    -- amount of the covered line it cancels
    SELECT r.i, (hash(sx.hk, r.s, r.o, {seed}) >> 1)::BIGINT AS h, sx.*, sl.* EXCLUDE (gran)
    FROM r
    JOIN series_x sx ON sx.kid = r.kid AND sx.s = r.s
    JOIN slots sl ON sl.gran = sx.gran AND sl.idx = sx.start + r.o
),
y AS (
    SELECT x.*,
           round(CASE amount WHEN 'hours' THEN units * hours WHEN 'gbmo' THEN units * hours / month_hours
                             ELSE 1 END
                 * CASE WHEN vary = 'partial' AND h % 100 < {partial_pct} THEN ((h >> 8) % 1000 + 1) / 1000.0
                        WHEN vary = 'noise' THEN 0.3 + ((h >> 8) % 1400) / 1000.0 ELSE 1 END, 9) AS amt
    FROM x
)
SELECT
    bill_start AS bill_billing_period_start_date,
    bill_end AS bill_billing_period_end_date,
    'Anniversary' AS bill_bill_type,
    'AWS' AS bill_billing_entity,
    -- the latest month is still open: no invoice yet
    CASE WHEN month_idx < {last_month} THEN CAST(1000000000 + hash(payer_id, month_idx) % 900000000 AS VARCHAR)
         ELSE '' END AS bill_invoice_id,
    entity AS bill_invoicing_entity,
    payer_id AS bill_payer_account_id,
    payer_name AS bill_payer_account_name,
    cost_category,
    MAP([]::VARCHAR[], []::DOUBLE[]) AS discount,
    0.0::DOUBLE AS discount_bundled_discount,
    0.0::DOUBLE AS discount_total_discount,
    lower(lpad(hex(hash(i, {seed}, 'id1')), 16, '0') || lpad(hex(hash(i, {seed}, 'id2')), 16, '0')
          || lpad(hex(hash(i, {seed}, 'id3')), 16, '0') || lpad(hex(hash(i, {seed}) % 65536), 4, '0'))
        AS identity_line_item_id,
    time_interval AS identity_time_interval,
    az AS line_item_availability_zone,
    round(amt * blended_rate, 10) AS line_item_blended_cost,
    blended_rate_text AS line_item_blended_rate,
    'USD' AS line_item_currency_code,
    entity AS line_item_legal_entity,
    description AS line_item_line_item_description,
    item_type AS line_item_line_item_type,
    round(amt * rate, 10) AS line_item_net_unblended_cost,
    rate_text AS line_item_net_unblended_rate,
    norm AS line_item_normalization_factor,
    round(amt * norm, 9) AS line_item_normalized_usage_amount,
    operation AS line_item_operation,
    product_code AS line_item_product_code,
    resource_id AS line_item_resource_id,
    tax_type AS line_item_tax_type,
    round(amt * rate, 10) AS line_item_unblended_cost,
    rate_text AS line_item_unblended_rate,
    acct_id AS line_item_usage_account_id,
    acct_name AS line_item_usage_account_name,
    amt AS line_item_usage_amount,
    end_ts AS line_item_usage_end_date,
    start_ts AS line_item_usage_start_date,
    usage_type AS line_item_usage_type,
    'USD' AS pricing_currency,
    CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN '1yr' ELSE '' END AS pricing_lease_contract_length,
    CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN 'standard' ELSE '' END AS pricing_offering_class,
    round(amt * public_rate, 10) AS pricing_public_on_demand_cost,
    public_rate_text AS pricing_public_on_demand_rate,
    CASE WHEN cost = 'ri' OR item_type = 'RIFee' THEN 'No Upfront' ELSE '' END AS pricing_purchase_option,
    rate_code AS pricing_rate_code,
    CASE WHEN rate_code = '' THEN '' ELSE CAST(hash(rate_code) % 10000000000 AS VARCHAR) END AS pricing_rate_id,
    term AS pricing_term,
    unit AS pricing_unit,
    product,
    '' AS product_comment,
    '' AS product_fee_code,
    '' AS product_fee_description,
    from_location AS product_from_location,
    CASE WHEN from_location = '' THEN '' ELSE 'AWS Region' END AS product_from_location_type,
    CASE WHEN from_location = '' THEN '' ELSE region_code END AS product_from_region_code,
    product_instance_family,
    product_instance_type,
    '' AS product_instancesku,
    location AS product_location,
    location_type AS product_location_type,
    operation AS product_operation,
    '' AS product_pricing_unit,
    family AS product_product_family,
    region_code AS product_region_code,
    servicecode AS product_servicecode,
    sku AS product_sku,
    to_location AS product_to_location,
    CASE WHEN to_location = 'Other AWS Region' THEN 'AWS Region' WHEN to_location = '' THEN ''
         ELSE 'Other' END AS product_to_location_type,
    '' AS product_to_region_code,
    usage_type AS product_usagetype,
    {reservation_columns},
    resource_tags,
    {savings_plan_columns}
FROM y
"""

RI = "cost = 'ri' OR item_type = 'RIFee'"
# name -> SQL; RI columns are amortised shares of the effective cost (62 % of on demand)
RESERVATION_COLUMNS = {
    "amortized_upfront_cost_for_usage": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.31, 10) ELSE 0 END",
    "amortized_upfront_fee_for_billing_period": "0.0",
    "availability_zone": "''",
    "effective_cost": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.62, 10) ELSE 0 END",
    "end_time": f"CASE WHEN {RI} THEN '2027-03-01T00:00:00.000Z' ELSE '' END",
    "modification_status": f"CASE WHEN {RI} THEN 'Original' ELSE '' END",
    "net_amortized_upfront_cost_for_usage": "0.0",
    "net_amortized_upfront_fee_for_billing_period": "0.0",
    "net_effective_cost": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.62, 10) ELSE 0 END",
    "net_recurring_fee_for_usage": "0.0",
    "net_unused_amortized_upfront_fee_for_billing_period": "0.0",
    "net_unused_recurring_fee": "0.0",
    "net_upfront_value": "0.0",
    "normalized_units_per_reservation": f"CASE WHEN {RI} THEN CAST(norm AS VARCHAR) ELSE '' END",
    "number_of_reservations": "CASE WHEN item_type = 'RIFee' THEN CAST(round(units) AS VARCHAR) ELSE '' END",
    "recurring_fee_for_usage": "CASE WHEN cost = 'ri' THEN round(amt * od_rate * 0.31, 10) ELSE 0 END",
    "reservation_a_r_n": "ri_arn",
    "start_time": f"CASE WHEN {RI} THEN '2026-03-01T00:00:00.000Z' ELSE '' END",
    "subscription_id": f"CASE WHEN {RI} THEN CAST(hash(ri_arn) % 10000000000 AS VARCHAR) ELSE '' END",
    "total_reserved_normalized_units": "CASE WHEN item_type = 'RIFee' THEN CAST(amt * norm AS VARCHAR) ELSE '' END",
    "total_reserved_units": "CASE WHEN item_type = 'RIFee' THEN CAST(amt AS VARCHAR) ELSE '' END",
    "units_per_reservation": "CASE WHEN item_type = 'RIFee' THEN CAST(month_hours AS VARCHAR) ELSE '' END",
    "unused_amortized_upfront_fee_for_billing_period": "0.0",
    "unused_normalized_unit_quantity": "0.0",
    "unused_quantity": "0.0",
    "unused_recurring_fee": "0.0",
    "upfront_value": "0.0",
}
# SP-covered usage is billed at on demand in unblended cost; its effective cost is 72 % of that.
SP_COST = "CASE WHEN cost = 'sp' THEN round(amt * od_rate * 0.72, 10) ELSE 0 END"
SAVINGS_PLAN_COLUMNS = {
    "amortized_upfront_commitment_for_billing_period": "0.0",
    "end_time": "CASE WHEN sp_arn <> '' THEN '2027-06-01T00:00:00.000Z' ELSE '' END",
    "instance_type_family": "CASE WHEN sp_arn <> '' THEN coalesce(ifamily, '') ELSE '' END",
    "net_amortized_upfront_commitment_for_billing_period": "0.0",
    "net_recurring_commitment_for_billing_period": "0.0",
    "net_savings_plan_effective_cost": SP_COST,
    "offering_type": "CASE WHEN sp_arn <> '' THEN 'ComputeSavingsPlans' ELSE '' END",
    "payment_option": "CASE WHEN sp_arn <> '' THEN 'No Upfront' ELSE '' END",
    "purchase_term": "CASE WHEN sp_arn <> '' THEN '1yr' ELSE '' END",
    "recurring_commitment_for_billing_period": "0.0",
    "region": "CASE WHEN sp_arn <> '' THEN location ELSE '' END",
    "savings_plan_a_r_n": "sp_arn",
    "savings_plan_effective_cost": SP_COST,
    "savings_plan_rate": "CASE WHEN cost = 'sp' THEN round(od_rate * 0.72, 10) ELSE 0 END",
    "start_time": "CASE WHEN sp_arn <> '' THEN '2026-06-01T00:00:00.000Z' ELSE '' END",
    "total_commitment_to_date": "0.0",
    "used_commitment": SP_COST,
}


def line_items_sql(rows_sql: str, seed: int, last_month: int, partial_pct: int) -> str:
    def cols(prefix: str, spec: dict[str, str]) -> str:
        return ",\n    ".join(
            f"{expr if not expr[0].isdigit() else expr + '::DOUBLE'} AS {prefix}{name}" for name, expr in spec.items()
        )

    return LINE_ITEMS.format(
        rows=rows_sql, seed=seed, last_month=last_month, partial_pct=partial_pct,
        reservation_columns=cols("reservation_", RESERVATION_COLUMNS),
        savings_plan_columns=cols("savings_plan_", SAVINGS_PLAN_COLUMNS),
    )


# ---------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------


def write(con: duckdb.DuckDBPyConnection, query: str, out: Path, fmt: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    target = str(out).replace("'", "''")
    if fmt == "csv":
        # CUR 2.0 CSV carries map columns as JSON text and ISO-8601 UTC timestamps.
        query = (f"SELECT * REPLACE (to_json(product)::VARCHAR AS product, to_json(resource_tags)::VARCHAR AS "
                 f"resource_tags, to_json(cost_category)::VARCHAR AS cost_category, to_json(discount)::VARCHAR "
                 f"AS discount) FROM ({query})")
        options = "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ'"
    else:
        # AWS writes snappy-compressed Parquet
        options = "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880"
    # The optimizer under-estimates the generated rows and would build its hash table on them (10M rows,
    # spilling to disk) instead of on the small series table: keep the join order as written.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute(f"COPY ({query}) TO '{target}' ({options})")


def generate(rows: int, out: Path, months: list[date], seed: int, fmt: str, granularity: str,
             instances_csv: Path, demo: bool = False) -> None:
    step = 24 if granularity == "daily" else 1
    with tempfile.TemporaryDirectory(prefix="ccgen-") as tmp:
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{tmp}'; SET memory_limit = '1200MB'; "
                    "SET preserve_insertion_order = true")
        create_static_tables(con)
        create_instance_tables(con, instances_csv)
        periods = create_periods(con, months, step)
        if demo:
            create_demo_kinds(con, periods, len(months))
            create_demo_series(con)
            rows_sql, partial_pct = DEMO_ROWS, 0
        else:
            block = max(1, math.ceil(rows / MAX_BLOCKS))
            n_blocks = plan_kinds(con, rows, periods, len(months), block)
            create_blocks(con, n_blocks, block)
            create_random_series(con, seed)
            rows_sql, partial_pct = RANDOM_ROWS.format(block=block, n_rows=n_blocks * block), 7
        create_series_x(con, seed)
        write(con, line_items_sql(rows_sql, seed, len(months) - 1, partial_pct), out, fmt)
        con.close()
