"""Planning commands: `estimate`, `recommend-region`, `whatif`, `prices refresh`. Parse, call, format."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, YEAR, db_option, output_options, period_options, store_path
from cloudcarbon.coefficients.loader import cloud_providers


def _constraint_options(command):
    options = [
        click.option("--allow", multiple=True,
                     help="Allowed regions, ISO country codes or continents (repeatable or comma-separated)."),
        click.option("--max-cost-increase", type=float, metavar="PCT",
                     help="Drop candidates costing more than +PCT %."),
        click.option("--max-distance-km", type=float,
                     help="Drop candidates farther than this from the current region."),
        click.option("--carbon-price", type=float, metavar="USD_PER_TONNE",
                     help="Rank by cost + carbon price x tCO2e instead of CO2e alone."),
        click.option("--cross-cloud", is_flag=True, help="Also consider the equivalent machine on other providers."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _constraints(allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud):
    from cloudcarbon.recommend import Constraints, parse_allow

    return Constraints(parse_allow(allow), max_cost_increase, max_distance_km, carbon_price, cross_cloud)


def _notes(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"assumption: {line}", err=True)


@click.command("estimate", epilog=EPILOG)
@click.option("--provider", default="aws", show_default=True, type=click.Choice(cloud_providers()))
@click.option("--instance-type", required=True)
@click.option("--region", required=True)
@click.option("--hours", type=float, required=True, help="Hours each instance runs.")
@click.option("--count", type=int, default=1, show_default=True, help="Number of instances.")
@click.option("--year", type=YEAR, help="Year for grid intensity and PUE (default: this year).")
@click.option("--pue", type=float, help="Facility PUE of the requested region (default: the library's).")
@click.option("--grid-intensity", type=float, help="gCO2e/kWh of the requested region (default: the library's).")
@click.option("--cpu-utilization", type=float, help="Central CPU utilisation, 0-1.")
@click.option("--gpu-utilization", type=float, help="Central GPU utilisation, 0-1.")
@output_options
def estimate_command(provider, instance_type, region, hours, count, year, pue, grid_intensity, cpu_utilization,
                     gpu_utilization, fmt, output) -> None:
    """Energy, operational and embodied CO2e (with ranges) and cost of a planned job, then the three
    lowest-CO2e regions. In JSON the first row is the requested region.

    \b
    Example:
        cloudcarbon estimate --instance-type p4d.24xlarge --count 4 --hours 720 --region us-east-1
    """
    import duckdb

    from cloudcarbon.estimate import TABLE_COLUMNS, estimate
    from cloudcarbon.output import emit, provenance

    with duckdb.connect() as con:
        frame = estimate(con, provider=provider, instance_type=instance_type, region=region, hours=hours,
                         count=count, year=year, pue=pue, grid_intensity=grid_intensity,
                         cpu_utilization=cpu_utilization, gpu_utilization=gpu_utilization)
    assumptions = ["alternatives use the library's PUE and grid intensity; --pue/--grid-intensity describe the "
                   "requested region only", "cost: on-demand list price, null where the snapshot has none"]
    meta = provenance(command="estimate", method="METHODOLOGY.md", assumptions=assumptions)
    emit(frame, fmt, output, meta=meta, title=f"cloudcarbon estimate — {count} x {instance_type} x {hours:g} h",
         table_columns=TABLE_COLUMNS)
    if fmt == "table":
        _notes(assumptions)


@click.command("recommend-region", epilog=EPILOG)
@click.option("--provider", type=click.Choice(cloud_providers()),
              help="Ad hoc mode: the planned job's provider [default aws].")
@click.option("--instance-type", help="Ad hoc mode: instance type (with --region and --hours).")
@click.option("--region", help="Ad hoc mode: the region it would run in now.")
@click.option("--hours", type=float, help="Ad hoc mode: hours each instance runs.")
@click.option("--count", type=int, default=1, show_default=True)
@click.option("--by", help="Store mode: workload grouping (provider, account, region, instance_type, service, "
                           "tag:KEY) [default provider,account,region,instance_type].")
@click.option("--show-excluded", is_flag=True, help="Also list the candidates a constraint removed, with the reason.")
@_constraint_options
@period_options
@output_options
@db_option
@click.pass_context
def recommend_region_command(ctx, provider, instance_type, region, hours, count, by, show_excluded, allow,
                             max_cost_increase, max_distance_km, carbon_price, cross_cloud, month, since, until,
                             fmt, output, db) -> None:
    """Where each workload should run: candidate regions by location-based CO2e and cost, under hard
    constraints, with the Pareto front of (CO2e, cost) marked.

    \b
    Example:
        cloudcarbon recommend-region --instance-type p4d.24xlarge --region us-east-1 --hours 720 --count 4
        cloudcarbon recommend-region --month 2026-09 --allow Europe --max-cost-increase 10
    """
    import duckdb

    from cloudcarbon.output import emit, provenance
    from cloudcarbon.periods import window
    from cloudcarbon.recommend import TABLE_COLUMNS, recommend_adhoc, recommend_from_store
    from cloudcarbon.store import open_store

    constraints = _constraints(allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud)
    adhoc = [instance_type, region, hours]
    if any(v is not None for v in adhoc):
        if any(v is None for v in adhoc):
            raise click.UsageError("ad hoc mode needs --instance-type, --region and --hours together")
        store_mode = [f"--{name}" for name, value in (("by", by), ("month", month), ("since", since),
                                                     ("until", until)) if value is not None]
        if store_mode:
            raise click.UsageError(f"{', '.join(store_mode)} ranks the store's workloads; a planned job "
                                   "(--instance-type, --region, --hours) takes none: drop one or the other")
        with duckdb.connect() as con:
            ranking = recommend_adhoc(con, provider=provider or "aws", instance_type=instance_type, region=region,
                                      hours=hours, count=count, constraints=constraints)
        period = "planned job"
    else:
        if provider is not None:
            raise click.UsageError("--provider describes a planned job: give it with --instance-type, --region and "
                                   "--hours, or drop it to rank the store's workloads")
        span = window(month, since, until)
        with open_store(store_path(ctx, db), read_only=True) as con:
            ranking = recommend_from_store(con, by=by, window=span, constraints=constraints)
        period = span.label()
    frame = ranking.rows
    if show_excluded:
        import pandas as pd

        frame = pd.concat([frame, ranking.excluded], ignore_index=True)
    excluded = ranking.excluded.excluded_reason.str.split(":").str[0].value_counts().to_dict()
    meta = provenance(command="recommend-region", period=period, rule=ranking.rule, assumptions=ranking.assumptions,
                      excluded=excluded)
    emit(frame, fmt, output, meta=meta, title=f"cloudcarbon recommend-region — {period}",
         table_columns=TABLE_COLUMNS)
    if fmt == "table":
        _notes(ranking.assumptions)
        if len(ranking.excluded):
            click.echo(f"excluded: {len(ranking.excluded)} candidate(s) by constraints (--show-excluded lists them)",
                       err=True)


@click.command("whatif", epilog=EPILOG)
@click.option("--lever", "levers", help="Comma-separated: map, machine, mechanization, model [default: all].")
@click.option("--by", help="Workload grouping (provider, account, region, instance_type, service, tag:KEY).")
@click.option("--model-factor", type=float, help="Model lever: compute divided by this for selected workloads "
                                                 "(Patterson et al. 2022: 5-10x).")
@click.option("--model-tag", multiple=True, metavar="KEY=VALUE", help="Model lever: workloads with this tag.")
@click.option("--model-account", multiple=True, metavar="ID", help="Model lever: workloads of this account.")
@click.option("--onprem-pue", type=float, help="Mechanization: on-premises PUE [default 1.56, Uptime 2024].")
@click.option("--cloud-pue", type=float,
              help="Mechanization of on-premises inventory rows: the cloud PUE [default: mean of AWS, GCP and "
                   "Azure fleet PUEs].")
@_constraint_options
@period_options
@output_options
@db_option
@click.pass_context
def whatif_command(ctx, levers, by, model_factor, model_tag, model_account, onprem_pue, cloud_pue, allow,
                   max_cost_increase,
                   max_distance_km, carbon_price, cross_cloud, month, since, until, fmt, output, db) -> None:
    """Per workload and in total: current versus each 4M lever (Map, Machine, Mechanization, Model) and all
    combined, CO2e with low/high and cost deltas, with every assumption printed.

    \b
    Example:
        cloudcarbon whatif --month 2026-09
        cloudcarbon whatif --lever model --model-factor 5 --model-tag team=ml
    """
    from cloudcarbon.output import emit, provenance
    from cloudcarbon.periods import window
    from cloudcarbon.store import open_store
    from cloudcarbon.whatif import whatif

    span = window(month, since, until)
    constraints = _constraints(allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud)
    with open_store(store_path(ctx, db), read_only=True) as con:
        result = whatif(con, levers=levers, by=by, window=span, model_factor=model_factor, model_tags=model_tag,
                        model_accounts=model_account, onprem_pue=onprem_pue, cloud_pue=cloud_pue,
                        constraints=constraints)
    meta = provenance(command="whatif", period=span.label(), assumptions=result.assumptions)
    emit(result.rows, fmt, output, meta=meta, title=f"cloudcarbon whatif — {span.label()}",
         table_columns={c: c for c in ("workload", "scenario", "kgco2e", "kgco2e_low", "kgco2e_high", "kgco2e_saved",
                                       "pct_saved", "cost_delta", "currency", "note")})
    if fmt == "table":
        _notes(result.assumptions)


@click.group("prices", epilog=EPILOG)
def prices_group() -> None:
    """On-demand prices used for cost deltas (shipped snapshot; refresh writes to the user data dir).

    \b
    Example:
        cloudcarbon prices refresh --provider aws --region eu-north-1 --instance-type p4d.24xlarge
    """


@prices_group.command("refresh", epilog=EPILOG)
@click.option("--provider", type=click.Choice(["aws", "gcp"]), required=True)
@click.option("--region", "regions", multiple=True, required=True, help="Region to price (repeatable).")
@click.option("--instance-type", "instance_types", multiple=True, required=True, help="Type to price (repeatable).")
def prices_refresh_command(provider, regions, instance_types) -> None:
    """Fetch current on-demand prices (AWS Pricing API, GCP Cloud Billing Catalog) into the user snapshot.

    \b
    Example:
        cloudcarbon prices refresh --provider gcp --region europe-north1 --instance-type n2-standard-8
    """
    import duckdb

    from cloudcarbon.prices import refresh

    with duckdb.connect() as con:
        path, count = refresh(con, provider=provider, regions=list(regions), instance_types=list(instance_types))
    click.echo(f"{count} price(s) written to {path}", err=True)
