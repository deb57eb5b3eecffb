"""`cloudcarbon coefficients show`: every coefficient behind one instance type, with its source; and
`coefficients zones`: the grid zones an on-premises inventory can name.

The per-hour figures run the footprint query itself over one synthetic instance-hour in an in-memory
store, so what is shown is exactly what `footprint` would compute.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from cloudcarbon import accelerators
from cloudcarbon.errors import UsageError
from cloudcarbon.estimation import footprint_sql, prepare, row_params
from cloudcarbon.periods import ALL_TIME
from cloudcarbon.plan import instance_or_suggest
from cloudcarbon.queries import read_query
from cloudcarbon.store import migrate
from cloudcarbon.usage_store import write_usage


def _one_hour(provider: str, instance_type: str, region: str, year: int) -> dict:
    """Run footprint_rows over one instance-hour of this type in an in-memory store."""
    con = duckdb.connect()
    try:
        migrate(con)
        prepare(con)
        write_usage(
            con,
            """
            SELECT $start AS charge_period_start, date_trunc('month', $start)::DATE AS billing_period_start,
                   p.display_name AS provider_name, 'example' AS billing_account_id, $region AS region_id,
                   i.instance_type AS x_instance_type, 1.0 AS consumed_quantity, 1.0 AS x_instance_hours,
                   i.vcpus AS x_vcpu_hours,
                   i.gpu_count AS x_gpu_hours,
                   CASE WHEN i.gpu_count > 0 THEN 'gpu' ELSE 'compute' END AS x_usage_kind,
                   'coefficients show' AS x_ingest_id
            FROM coef_instances i JOIN coef_providers p USING (provider)
            WHERE i.provider = $provider AND i.instance_type = $type
            """,
            {"start": datetime(year, 7, 1), "provider": provider, "region": region, "type": instance_type},
        )
        return con.execute(footprint_sql(read_query("usage_window")), row_params(ALL_TIME)).df().iloc[0].to_dict()
    finally:
        con.close()


def show_instance(
    con: duckdb.DuckDBPyConnection, instance_type: str, *, provider: str = "aws", region: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Rows of (coefficient, value, unit, source) for an instance type, and per-hour results if a region is given;
    for a name that is no instance type but an accelerator (H100, tpu-v5p, Gaudi 3), that accelerator's rows."""
    prepare(con)
    known = con.execute("SELECT 1 FROM coef_instances WHERE provider = $p AND instance_type = $t",
                        {"p": provider, "t": instance_type}).fetchall()
    if not known:
        try:
            model = accelerators.resolve(con, instance_type)
        except UsageError:
            model = None
        if model is not None:
            return pd.DataFrame(accelerators.describe(con, model),
                                columns=["coefficient", "value", "unit", "source"]).astype({"value": "string"})
    info = instance_or_suggest(con, provider, instance_type)
    lines: list[tuple[str, object, str, str]] = [
        ("vcpus", info["vcpus"], "vCPU", info["source"]),
        ("memory", info["memory_gib"], "GiB", info["source"]),
        ("cpu model", info["cpu_model"], "", info["source"]),
        ("microarchitecture", info["microarchitecture"], "", info["source"]),
        ("host vcpus", info["host_vcpus"], "vCPU", info["source"]),
        ("host embodied", info["host_embodied_kgco2e"], "kgCO2e", f"{info['embodied_method']}; {info['source']}"),
    ]
    if pd.notna(info["burstable_baseline"]):
        lines.append(("burstable baseline", info["burstable_baseline"], "fraction of vCPU", info["source"]))
    if info["gpu_count"]:
        lines.append(("accelerators", f"{info['gpu_count']} x {info['gpu_model']}", "", info["source"]))
    year = year or datetime.now().year
    hour = _one_hour(provider, instance_type, region or "us-east-1", year)
    sources = dict(con.execute("SELECT key, source FROM coef_constants").fetchall())
    lines += [
        ("cpu min power", hour["min_w_per_vcpu"], "W per vCPU", hour["cpu_source"]),
        ("cpu max power", hour["max_w_per_vcpu"], "W per vCPU", hour["cpu_source"]),
        ("cpu utilisation", hour["cpu_u"], "fraction",
         f"burstable baseline; {info['source']}" if pd.notna(info["burstable_baseline"])
         else sources["cpu_utilization_default"]),
        ("memory power", hour["memory_w_per_gib"], "W per GiB", sources["memory_w_per_gib"]),
        ("memory measured by SPECpower", hour["ref_memory_gib_per_vcpu"], "GiB per vCPU", hour["cpu_source"]),
    ]
    if info["gpu_count"]:
        lines += [
            ("accelerator idle power", hour["gpu_idle_w"], "W", hour["gpu_source"]),
            ("accelerator max power", hour["gpu_max_w"], "W", hour["gpu_source"]),
            ("accelerator embodied", hour["gpu_embodied_kgco2e"], "kgCO2e each", hour["gpu_source"]),
        ]
    lines.append(("server lifespan", hour["lifespan_h"], "hours", sources["server_lifespan_hours"]))
    if region:
        lines += [
            (f"PUE {hour['pue_scope']} {hour['pue_year']}", hour["pue"], "", hour["pue_source"]),
            (f"grid intensity {region} {hour['grid_year']}", hour["grid_gco2e_per_kwh"], "gCO2e/kWh",
             f"{hour['grid_signal']}; {hour['grid_source']}"),
            ("energy per instance-hour", hour["energy_kwh"], "kWh", "computed (METHODOLOGY.md)"),
            ("energy per instance-hour low/high", f"{hour['energy_kwh_low']:.4g} / {hour['energy_kwh_high']:.4g}",
             "kWh", "computed"),
            ("operational CO2e per instance-hour", hour["operational_kgco2e"], "kgCO2e", "computed"),
            ("embodied CO2e per instance-hour", hour["embodied_kgco2e"], "kgCO2e", "computed"),
        ]
    return pd.DataFrame(lines, columns=["coefficient", "value", "unit", "source"]).astype({"value": "string"})


def zones(con: duckdb.DuckDBPyConnection, search: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Electricity Maps zones an on-premises inventory can name, with the intensity for `year` (default latest)."""
    prepare(con)
    return con.execute(
        """
        SELECT z.zone, z.name, g.year, g.gco2e_per_kwh, g.signal, g.source
        FROM coef_zones z
        JOIN coef_grid g ON g.provider = 'on-premises' AND g.region = z.zone
        WHERE ($search IS NULL OR z.zone ILIKE '%' || $search || '%' OR z.name ILIKE '%' || $search || '%')
        QUALIFY g.year = coalesce($year, max(g.year) OVER (PARTITION BY z.zone))
        ORDER BY z.zone
        """,
        {"search": search, "year": year},
    ).df()
