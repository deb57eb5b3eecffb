"""Every command has help with an example; every SQL file parses; the package layout installs."""

from __future__ import annotations

from importlib.resources import files

import click
import duckdb
import pytest
from click.testing import CliRunner

from cloudcarbon.cli import cli
from cloudcarbon.store import default_db_path


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
    return found


@pytest.mark.parametrize("path", commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_help_names_the_default_store():
    result = CliRunner().invoke(cli, ["--help"])
    assert str(default_db_path()) in " ".join(result.stdout.split())


def test_usage_errors_exit_2():
    assert CliRunner().invoke(cli, ["footprint", "--format", "xml"]).exit_code == 2
    assert CliRunner().invoke(cli, ["no-such-command"]).exit_code == 2


def sql_files() -> list[str]:
    root = files("cloudcarbon.queries")
    return sorted(
        [p.name for p in root.iterdir() if p.name.endswith(".sql")]
        + [f"migrations/{p.name}" for p in root.joinpath("migrations").iterdir() if p.name.endswith(".sql")]
    )


@pytest.mark.parametrize("name", sql_files())
def test_every_sql_file_parses(name):
    text = files("cloudcarbon.queries").joinpath(name).read_text()
    con = duckdb.connect()
    statements = con.extract_statements(text)  # raises ParserException on a syntax error
    assert statements
    if len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT:
        assert con.execute("SELECT json_serialize_sql($q)::JSON->>'error'", {"q": text}).fetchall()[0][0] == "false"


def test_subpackages_import_under_one_name():
    import cloudcarbon.coefficients.loader
    import cloudcarbon.connectors.aws.ingest
    import cloudcarbon.queries

    assert cloudcarbon.coefficients.loader.COEFFICIENTS_VERSION
    assert callable(cloudcarbon.connectors.aws.ingest.ingest_aws)
    assert "SELECT" in cloudcarbon.queries.read_query("footprint_rows")


def test_demo_ingests_the_bundled_export_and_prints_a_footprint(run, db):
    result = run("demo")
    assert "AmazonEC2" in result.stdout and "kWh" in result.stdout
    assert "3 period(s)" in result.stderr and "Total:" in result.stderr
    again = run("demo")  # idempotent: the same periods are replaced, not doubled
    assert "(replaced)" in again.stderr
    assert again.stdout == result.stdout


@pytest.mark.parametrize(("provider", "instance_type", "region"),
                         [("gcp", "n2d-standard-4", "us-central1"), ("azure", "Standard_D4s_v3", "eastus")])
def test_coefficients_show_covers_every_provider(run, provider, instance_type, region):
    import json

    shown = run("coefficients", "show", instance_type, "--provider", provider, "--region", region, "--format", "json")
    rows = {r["coefficient"]: r for r in json.loads(shown.stdout)["rows"]}
    assert rows["vcpus"]["value"] == "4"
    assert any(k.startswith(f"grid intensity {region}") for k in rows)
    assert all(r["source"] for r in rows.values())
