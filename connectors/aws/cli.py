"""`cloudcarbon ingest aws`: parse the options, call the connector, print its summary."""

from __future__ import annotations

import click

from cloudcarbon.cli_options import EPILOG, db_option, period_options, store_path
from cloudcarbon.connectors.aws.ingest import ingest_aws
from cloudcarbon.staging import ingest_staged


@click.command("aws", epilog=EPILOG)
@click.argument("sources", nargs=-1)
@click.option("--profile", help="AWS profile for s3:// sources and Athena (default: the boto3 credential chain).")
@click.option("--aggregate", type=click.Choice(["none", "daily"]), default="none", show_default=True,
              help="daily: keep one row per day and usage dimension (the aggregate --athena runs), not every line.")
@click.option("--athena", is_flag=True, help="Run the daily aggregate in Athena over a CUR table instead of files.")
@click.option("--database", help="With --athena: the Glue database of the CUR table.")
@click.option("--table", help="With --athena: the CUR table.")
@click.option("--workgroup", help="With --athena: the Athena workgroup.")
@click.option("--output-location", help="With --athena: s3:// URL for query results (default: the workgroup's).")
@click.option("--region", help="With --athena: the AWS region of Athena (default: the profile's).")
@period_options
@db_option
@click.pass_context
def ingest_aws_command(ctx: click.Context, sources: tuple[str, ...], profile: str | None, aggregate: str,
                       athena: bool, database: str | None, table: str | None, workgroup: str | None,
                       output_location: str | None, region: str | None, month: str | None, since: str | None,
                       until: str | None, db: str | None) -> None:
    """Ingest AWS Cost and Usage Reports: legacy CUR (CSV, Parquet/Athena) or CUR 2.0 (Parquet, CSV),
    from files or, with --athena, aggregated where they live.

    SOURCES are files, globs, folders, CUR manifest JSON files or s3://bucket/prefix URLs; where
    manifests are present they pick the current files of each billing period. Re-ingesting a
    period replaces it. With --athena, --month/--since/--until choose whole billing periods.

    \b
    Example:
        cloudcarbon ingest aws ./exports/cur2/*.parquet
        cloudcarbon ingest aws s3://billing-bucket/cur/my-report/ --profile billing
        cloudcarbon ingest aws --athena --database cur --table cur_report --workgroup primary --month 2026-09
    """
    from cloudcarbon.periods import window

    athena_options = {"--database": database, "--table": table, "--workgroup": workgroup}
    if athena:
        missing = [name for name, value in athena_options.items() if not value]
        if sources or missing:
            raise click.UsageError("--athena takes no SOURCES" if sources else f"--athena needs {missing[0]}")
        from cloudcarbon.connectors.aws.athena import ingest_athena

        span = window(month, since, until)
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_athena(
            con, database=database, table=table, workgroup=workgroup, output_location=output_location,
            window=span, profile=profile, region=region))
    else:
        used = [name for name, value in {**athena_options, "--output-location": output_location, "--region": region,
                                         "--month": month, "--since": since, "--until": until}.items() if value]
        if not sources or used:
            raise click.UsageError(f"{used[0]} needs --athena" if used else "give SOURCES (files, folders, s3:// "
                                   "URLs) or --athena with --database/--table/--workgroup")
        summary = ingest_staged(store_path(ctx, db), lambda con: ingest_aws(
            con, list(sources), profile=profile, aggregate=aggregate == "daily"))
    click.echo(summary.line(), err=True)
