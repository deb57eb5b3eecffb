"""Planning commands: `estimate`, `recommend-region`, `whatif`, `prices refresh`. Parse, call, format."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cloudcarbon.cli_options import EPILOG, YEAR, db_option, output_options, period_options, store_path
from cloudcarbon.coefficients.loader import cloud_providers, workload_classes

if TYPE_CHECKING:
    from cloudcarbon.recommend import RankedRows, Ranking


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
        click.option("--price-basis", type=click.Choice(["list", "effective"]), default="list", show_default=True,
                     help="Cost a move's price difference at list prices, or scaled by the discount your bill shows "
                          "for the family, storage class or transfer (Savings Plans, committed use)."),
        click.option("--rank-by", type=click.Choice(["carbon", "water"]), default="carbon", show_default=True,
                     help="Rank candidate regions by CO2e (or cost + --carbon-price), or by litres of water."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _constraints(allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud, price_basis="list",
                 rank_by="carbon"):
    from cloudcarbon.recommend import Constraints, parse_allow

    return Constraints(parse_allow(allow), max_cost_increase, max_distance_km, carbon_price, cross_cloud, price_basis,
                       rank_by)


def _notes(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"assumption: {line}", err=True)


def _job_options(command):
    """What a planned job states about its hardware, in the units people publish (estimate, recommend-region)."""
    options = [
        click.option("--accelerator", metavar="MODEL",
                     help="Accelerators alone, no cloud host (H100, 'A100 PCIe 40GB', MI300X, tpu-v5p, Trn2, Gaudi3, "
                          "...); with --gpu-hours, or --count and --hours."),
        click.option("--gpu-hours", type=float, help="Accelerator-hours of an --accelerator job."),
        click.option("--avg-power-w", metavar="W|LOW:HIGH",
                     help="Measured average power per accelerator, replacing the utilisation model."),
        click.option("--host-watts", type=float, metavar="W",
                     help="Host power per accelerator of an --accelerator job [default: none counted]."),
        click.option("--workload", type=click.Choice(workload_classes()),
                     help="Accelerator utilisation of this workload class (measured defaults, see METHODOLOGY.md) "
                          "[default: the library's 0.5, range 0.2-1.0]."),
        click.option("--gpu-utilization", type=float, help="Central accelerator utilisation, 0-1."),
        click.option("--lifespan-years", type=float, help="Hardware lifespan for embodied [default: 6, high bound 4]."),
        click.option("--embodied-kgco2e", type=float,
                     help="Manufacturing footprint per accelerator (--accelerator) or per instance (--instance-type)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _job(avg_power_w, host_watts, workload, lifespan_years, embodied_kgco2e):
    from cloudcarbon.job import Job, span

    return Job(avg_power_w=span("--avg-power-w", avg_power_w), host_watts=host_watts, workload=workload,
               lifespan_years=lifespan_years, embodied_kgco2e=embodied_kgco2e)


@click.command("estimate", epilog=EPILOG)
@click.option("--provider", default="aws", show_default=True, type=click.Choice(cloud_providers()))
@click.option("--instance-type", help="A cloud job: instance type (with --region, --hours, --count).")
@click.option("--region", help="Where it runs (library PUE and grid intensity); an --accelerator job may give "
                               "--pue and --grid-intensity instead.")
@click.option("--hours", type=float, help="Hours each instance (or accelerator) runs.")
@click.option("--count", type=float, default=1, show_default=True,
              help="Number of instances (or accelerators); fractions allowed.")
@_job_options
@click.option("--year", type=YEAR, help="Year for grid intensity and PUE (default: this year).")
@click.option("--pue", metavar="PUE|LOW:HIGH", help="Facility PUE of the requested site (default: the library's).")
@click.option("--grid-intensity", metavar="G|LOW:HIGH",
              help="gCO2e/kWh of the requested site (default: the library's).")
@click.option("--cpu-utilization", type=float, help="Central CPU utilisation, 0-1.")
@click.option("--duration", type=float, metavar="H",
              help="With --window: the job's wall-clock hours (default for --hours); answers when it emits least.")
@click.option("--window", metavar="START/END",
              help="ISO-8601 times (UTC unless an offset is given) the job may run between; the saving is "
                   "against starting at START.")
@output_options
def estimate_command(provider, instance_type, region, hours, count, accelerator, gpu_hours, avg_power_w, host_watts,
                     workload, gpu_utilization, lifespan_years, embodied_kgco2e, year, pue, grid_intensity,
                     cpu_utilization, duration, window, fmt, output) -> None:
    """Energy, operational and embodied CO2e (with ranges) and cost of a planned job, then the three
    lowest-CO2e regions. In JSON the first row is the requested job; every stated figure and default is in
    the assumptions.

    \b
    Example:
        cloudcarbon estimate --instance-type p4d.24xlarge --count 4 --hours 720 --region us-east-1
        cloudcarbon estimate --accelerator H100 --gpu-hours 1300000 --avg-power-w 700 --pue 1.1 --grid-intensity 400
        cloudcarbon estimate --accelerator 'A100 80GB' --count 64 --hours 500 --workload training --region eu-west-1
        cloudcarbon estimate --instance-type m5.large --count 10 --region us-west-1 --duration 6 \\
            --window 2026-06-01T00:00/2026-06-02T00:00
    """
    import duckdb

    from cloudcarbon import time_shift
    from cloudcarbon.estimate import TABLE_COLUMNS, estimate
    from cloudcarbon.output import emit, provenance

    timing = time_shift.parse_window(window, duration)
    if timing is not None and hours is None and gpu_hours is None:
        hours = duration
    table_columns = TABLE_COLUMNS if timing is None else {**TABLE_COLUMNS, "start_utc": "start (UTC)",
                                                          "saving_kgco2e": "saving kgCO2e"}
    job = _job(avg_power_w, host_watts, workload, lifespan_years, embodied_kgco2e)
    with duckdb.connect() as con:
        frame = estimate(con, provider=provider, instance_type=instance_type, accelerator=accelerator, region=region,
                         hours=hours, count=count, gpu_hours=gpu_hours, year=year, pue=pue,
                         grid_intensity=grid_intensity, cpu_utilization=cpu_utilization,
                         gpu_utilization=gpu_utilization, job=job)
        assumptions = ["alternatives use the library's PUE and grid intensity; --pue/--grid-intensity describe the "
                       "requested site only", "cost: on-demand list price, null where the snapshot has none",
                       *job.assumptions(con)]
        if timing is not None:
            rows = time_shift.best_start(con, frame.iloc[0], timing)
            frame = time_shift.with_timing(frame, rows)
            assumptions += time_shift.assumptions(rows, timing)
    meta = provenance(command="estimate", method="METHODOLOGY.md", assumptions=assumptions)
    title = frame.accelerator[0] if instance_type is None else instance_type
    emit(frame, fmt, output, meta=meta, title=f"cloudcarbon estimate — {title}, {frame.gpu_hours[0]:g} "
         f"accelerator-hours" if instance_type is None else f"cloudcarbon estimate — {count:g} x {title} x {hours:g} h",
         table_columns=table_columns)
    if fmt == "table":
        _notes(assumptions)


@click.command("recommend-region", epilog=EPILOG)
@click.option("--provider", type=click.Choice(cloud_providers()),
              help="Ad hoc mode: the planned job's provider [default aws].")
@click.option("--instance-type", help="Ad hoc mode: instance type (with --region and --hours).")
@click.option("--region", help="Ad hoc mode: the region it would run in now.")
@click.option("--hours", type=float, help="Ad hoc mode: hours each instance (or accelerator) runs.")
@click.option("--count", type=float, default=1, show_default=True,
              help="Instances (or accelerators); fractions allowed.")
@_job_options
@click.option("--by", help="Store mode: workload grouping (provider, account, region, instance_type, service, "
                           "tag:KEY) [default provider,account,region,instance_type].")
@click.option("--top", type=click.IntRange(min=0), metavar="N",
              help="Store mode: the best N candidates per workload beside its current region; 0 lists all "
                   "[default: 5].")
@click.option("--show-excluded", is_flag=True, help="Also list the candidates a constraint removed, with the reason.")
@_constraint_options
@click.option("--duration", type=float, metavar="H",
              help="Ad hoc mode, with --window: the job's wall-clock hours; adds each region's best start.")
@click.option("--window", "run_window", metavar="START/END",
              help="Ad hoc mode: ISO-8601 times (UTC unless an offset is given) the job may run between.")
@period_options
@output_options
@db_option
@click.pass_context
def recommend_region_command(ctx, provider, instance_type, region, hours, count, accelerator, gpu_hours, avg_power_w,
                             host_watts, workload, gpu_utilization, lifespan_years, embodied_kgco2e, by, top,
                             show_excluded, allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud,
                             price_basis, rank_by, duration, run_window, month, since, until, fmt, output,
                             db) -> None:
    """Where each workload should run: candidate regions by location-based CO2e and cost, under hard
    constraints, with the Pareto front of (CO2e, cost) marked.

    \b
    Example:
        cloudcarbon recommend-region --instance-type p4d.24xlarge --region us-east-1 --hours 720 --count 4
        cloudcarbon recommend-region --accelerator H100 --gpu-hours 50000 --workload training --region us-east-1
        cloudcarbon recommend-region --month 2026-09 --allow Europe --max-cost-increase 10
    """
    import duckdb

    from cloudcarbon.output import emit, emit_query
    from cloudcarbon.periods import window
    from cloudcarbon.recommend import STORE_TOP, TABLE_COLUMNS, ranked_from_store, recommend_adhoc
    from cloudcarbon.store import open_store

    timing = None
    if run_window is not None or duration is not None:  # time_shift loads pandas: only a planned job's timing needs it
        from cloudcarbon import time_shift

        timing = time_shift.parse_window(run_window, duration)
    if timing is not None and hours is None and gpu_hours is None and (instance_type or accelerator):
        hours = duration
    table_columns = TABLE_COLUMNS if timing is None else {**TABLE_COLUMNS, "best_start_utc": "best start (UTC)",
                                                          "best_kgco2e": "kgCO2e then", "when_rank": "when rank"}
    constraints = _constraints(allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud, price_basis,
                               rank_by)
    stated = {"--avg-power-w": avg_power_w, "--host-watts": host_watts, "--workload": workload,
              "--gpu-utilization": gpu_utilization, "--lifespan-years": lifespan_years,
              "--embodied-kgco2e": embodied_kgco2e, "--gpu-hours": gpu_hours}
    adhoc = [instance_type or accelerator, region, hours if gpu_hours is None else gpu_hours]
    if any(v is not None for v in adhoc):
        if any(v is None for v in adhoc):
            raise click.UsageError("ad hoc mode needs --instance-type (or --accelerator), --region and --hours "
                                   "(or --gpu-hours) together")
        store_mode = [f"--{name}" for name, value in (("by", by), ("top", top), ("month", month), ("since", since),
                                                     ("until", until)) if value is not None]
        if store_mode:
            raise click.UsageError(f"{', '.join(store_mode)} ranks the store's workloads; a planned job "
                                   "(--instance-type, --region, --hours) takes none: drop one or the other")
        job = _job(avg_power_w, host_watts, workload, lifespan_years, embodied_kgco2e)
        with duckdb.connect() as con:
            ranking = recommend_adhoc(con, provider=provider or "aws", instance_type=instance_type,
                                      accelerator=accelerator, region=region, hours=hours, count=count,
                                      gpu_hours=gpu_hours, gpu_utilization=gpu_utilization, job=job,
                                      constraints=constraints)
            if timing is not None:
                ranking.rows = time_shift.where_and_when(con, ranking.rows, timing)
                rows = time_shift.best_start(con, ranking.rows[ranking.rows.current].iloc[0], timing)
                ranking.assumptions = [*ranking.assumptions, *time_shift.assumptions(rows, timing),
                                       "where and when: each candidate at its best start in its own zone's profile "
                                       "(hourly_basis per row); when_rank orders by CO2e then, rank stays the "
                                       "annual-figure ranking; saving_vs_now_kgco2e is against the current region "
                                       "started at the window's start"]
        period = "planned job"
    else:
        if timing is not None:
            raise click.UsageError("--duration and --window are for a planned job (--instance-type, --region, "
                                   "--hours); the store's workloads have already run")
        given = [name for name, value in (("--provider", provider), *stated.items()) if value is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)} describes a planned job: give it with --instance-type (or "
                                   "--accelerator), --region and --hours, or drop it to rank the store's workloads")
        span = window(month, since, until)
        period = span.label()
        shown = STORE_TOP if top is None else top or None
        with (open_store(store_path(ctx, db), read_only=True) as con,
              ranked_from_store(con, by=by, window=span, constraints=constraints, top=shown,
                                with_excluded=show_excluded) as rows):
            if fmt != "table":  # a month shows tens of thousands of rows: streamed from DuckDB, never a whole frame
                emit_query(con, rows.shown if show_excluded else rows.kept, {}, fmt, output,
                           meta=_recommend_meta(period, rows))
                return
            ranking = rows.read(con)
    frame = ranking.rows
    if show_excluded:
        import pandas as pd

        frame = pd.concat([frame, ranking.excluded], ignore_index=True)
    emit(frame, fmt, output, meta=_recommend_meta(period, ranking), title=f"cloudcarbon recommend-region — {period}",
         table_columns=table_columns)
    if fmt == "table":
        _notes(ranking.assumptions)
        if ranking.excluded_counts:
            click.echo(f"excluded: {sum(ranking.excluded_counts.values())} candidate(s) by constraints "
                       "(--show-excluded lists them)", err=True)


def _recommend_meta(period: str, ranking: Ranking | RankedRows) -> dict[str, object]:
    from cloudcarbon.output import provenance

    return provenance(command="recommend-region", period=period, rule=ranking.rule, assumptions=ranking.assumptions,
                      excluded=ranking.excluded_counts)


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
                   max_cost_increase, max_distance_km, carbon_price, cross_cloud, price_basis, rank_by, month, since,
                   until, fmt, output, db) -> None:
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
    constraints = _constraints(allow, max_cost_increase, max_distance_km, carbon_price, cross_cloud, price_basis,
                               rank_by)
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
@click.option("--provider", type=click.Choice(["aws", "gcp", "azure"]), required=True)
@click.option("--region", "regions", multiple=True, required=True, help="Region to price (repeatable).")
@click.option("--instance-type", "instance_types", multiple=True, required=True, help="Type to price (repeatable).")
def prices_refresh_command(provider, regions, instance_types) -> None:
    """Fetch current on-demand prices (AWS Pricing API, GCP Cloud Billing Catalog, Azure Retail Prices API: no
    credentials needed) into the user snapshot.

    \b
    Example:
        cloudcarbon prices refresh --provider gcp --region europe-north1 --instance-type n2-standard-8
        cloudcarbon prices refresh --provider azure --region swedencentral --instance-type Standard_D4s_v5
    """
    import duckdb

    from cloudcarbon.prices import refresh

    with duckdb.connect() as con:
        path, count = refresh(con, provider=provider, regions=list(regions), instance_types=list(instance_types))
    click.echo(f"{count} price(s) written to {path}", err=True)
