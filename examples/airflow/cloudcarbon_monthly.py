"""Airflow DAG: the monthly cloudcarbon report through the Python API (no shell, no CLI parsing).

`run_cloudcarbon_monthly` is a plain function, so it runs (and is tested) without Airflow; the DAG
below wraps it when Airflow is installed. Credentials come from the worker's SDK chain or from
{env = "NAME"} references in the config, never from the DAG.
"""

from __future__ import annotations

from cloudcarbon.schedule import run_monthly


def run_cloudcarbon_monthly(config: str, month: str | None = None) -> dict[str, str]:
    """Re-ingest the configured sources for `month` (default: the previous month) and write the report;
    return the written files by format (pushed to XCom)."""
    result = run_monthly(config, month=month)
    return {kind: str(path) for kind, path in result.files.items()}


try:
    import pendulum
    from airflow.decorators import dag, task
except ImportError:  # Airflow absent: the callable above stays importable
    pass
else:

    @dag(schedule="0 6 3 * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False,
         tags=["finops", "carbon"])
    def cloudcarbon_monthly() -> None:
        @task
        def report() -> dict[str, str]:
            return run_cloudcarbon_monthly("/opt/airflow/config/cloudcarbon.toml")

        report()

    cloudcarbon_monthly()
