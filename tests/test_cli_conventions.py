"""A newcomer's first contact with the CLI: usage errors are one line and exit 2 on every command, every option
can come from a CLOUDCARBON_... variable, shell completion works, a period without data says what the store
holds, and the base install (without the report and cloud extras) runs what it promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner, Result
from conftest import fingerprint, one_line_error, usage_error

from cloudcarbon.cli import cli
from cloudcarbon.cli_options import envvar_name
from cloudcarbon.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CLOUDCARBON = Path(sys.executable).parent / "cloudcarbon"
# Options whose variable predates the rule (documented in the README beside it).
OWN_VARIABLES = {"CLOUDCARBON_TOKEN", "CLOUDCARBON_ALLOWED_HOSTS"}


def invoke(db: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=env)


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):  # listed as --help lists them (`ingest` loads its connectors lazily)
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), (*path, name))


PLANNED = ["--instance-type", "m5.large", "--region", "us-east-1", "--hours", "5"]
# (arguments, what the one line must name): every command's kinds of usage error.
USAGE_ERRORS = [
    (["no-such-command"], ["no-such-command"]),
    (["--bogus", "footprint"], ["--bogus"]),
    (["footprint", "--by", "colour"], ["--by", "colour"]),
    (["footprint", "--format", "xml"], ["--format", "xml"]),
    (["footprint", "--format", "parquet"], ["--output"]),
    (["footprint", "--output", "/nonexistent-folder/x.csv"], ["--output", "does not exist"]),
    (["footprint", "--cpu-utilization", "1.5"], ["--cpu-utilization"]),
    (["footprint", "--cpu-utilization", "abc"], ["--cpu-utilization"]),
    (["footprint", "--month", "2026-13"], ["--month", "YYYY-MM"]),
    (["footprint", "--month", "2026-10", "--since", "2026-01"], ["--month", "--since"]),
    (["footprint", "--trace", "--by", "service"], ["--trace", "--by"]),
    (["unknowns", "--since", "2026-10", "--until", "2026-01"], ["--until", "--since"]),
    (["estimate", "--instance-type", "m5.large", "--region", "us-east-1"], ["--hours"]),
    (["estimate", *PLANNED, "--count", "0"], ["--count"]),
    (["estimate", *PLANNED, "--hours", "nan"], ["--hours"]),
    (["estimate", *PLANNED, "--year", "1800"], ["--year"]),
    (["estimate", *PLANNED, "--pue", "0.5"], ["--pue"]),
    (["estimate", *PLANNED, "--provider", "oracle"], ["--provider"]),
    (["recommend-region", "--instance-type", "m5.large"], ["--instance-type", "--region", "--hours"]),
    (["recommend-region", *PLANNED, "--month", "2026-10"], ["--month", "planned job"]),
    (["recommend-region", "--provider", "gcp"], ["--provider"]),
    (["recommend-region", "--by", "colour"], ["--by", "colour"]),
    (["recommend-region", "--allow", "Atlantis"], ["--allow", "Atlantis"]),
    (["recommend-region", "--carbon-price", "x"], ["--carbon-price"]),
    (["whatif", "--lever", "magic"], ["--lever", "magic"]),
    (["whatif", "--model-factor", "0"], ["--model-factor"]),
    (["whatif", "--model-factor", "5", "--model-tag", "team"], ["--model-tag", "KEY=VALUE"]),
    (["whatif", "--onprem-pue", "0.5"], ["--onprem-pue"]),
    (["report", "--output", "out"], ["--month"]),
    (["report", "--month", "2026-10"], ["--output"]),
    (["report", "--month", "2026-10", "--output", "out", "--by-tag", "a b"], ["--by-tag"]),
    (["run-monthly"], ["--config"]),
    (["run-monthly", "--config", "x.toml", "--month", "13"], ["--month"]),
    (["serve", "--port", "99999"], ["--port"]),
    (["serve", "--host", "0.0.0.0"], ["--host", "--token"]),
    (["serve", "--token", " "], ["--token"]),
    (["serve", "--allowed-host", "a:b:c"], ["--allowed-host"]),
    (["coefficients", "show", "m5.large", "--provider", "oracle"], ["--provider"]),
    (["coefficients", "show", "m5.large", "--year", "1800"], ["--year"]),
    (["coefficients", "zones", "--year", "3000"], ["--year"]),
    (["prices", "refresh", "--provider", "oracle", "--region", "x", "--instance-type", "y"], ["--provider"]),
    (["doctor", "--format", "xml"], ["--format"]),
    (["backup"], ["DESTINATION"]),
    (["ingest", "aws"], ["SOURCES", "--athena"]),
    (["ingest", "aws", "--athena", "--database", "cur;drop", "--table", "t", "--workgroup", "w"], ["--database"]),
    (["ingest", "gcp", "--table", "nodots", "--month", "2026-10"], ["--table"]),
    (["ingest", "gcp", "--table", "my-proj.billing.export"], ["--table", "--month"]),
    (["ingest", "azure", "--scope", "x", "--month", "2026-10"], ["--scope"]),
    (["ingest", "focus"], ["SOURCES"]),
    (["ingest", "onprem", "x.csv", "--inventory", ""], ["--inventory"]),
]


@pytest.mark.parametrize(("args", "names"), USAGE_ERRORS, ids=[" ".join(a)[:60] for a, _ in USAGE_ERRORS])
def test_usage_errors_are_one_line_and_exit_2(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             args: list[str], names: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLOUDCARBON_TOKEN", raising=False)
    before = fingerprint(demo_store)
    usage_error(invoke(demo_store, *args), *names)
    assert fingerprint(demo_store) == before and not (tmp_path / "out").exists()


def test_every_option_has_an_environment_variable_shown_in_help() -> None:
    """CLOUDCARBON_<COMMAND PATH>_<OPTION>, from the option's name (`--format`, whose parameter is `fmt`); --db
    is CLOUDCARBON_DB for every command."""
    seen = 0
    for path, command in walk(cli):
        shown = CliRunner().invoke(cli, [*path, "--help"], terminal_width=400, max_content_width=400).stdout
        for option in command.params:
            if not isinstance(option, click.Option) or not option.expose_value:
                continue
            if "--db" in option.opts:
                assert not option.allow_from_autoenv and "env var: CLOUDCARBON_DB;" in shown, path
                continue
            expected = envvar_name(list(path), option)
            assert option.envvar == expected or option.envvar in OWN_VARIABLES, (path, option.opts, option.envvar)
            assert f"env var: {option.envvar}" in shown, (path, option.envvar)
            seen += 1
    assert seen > 80
    assert envvar_name(["ingest", "aws"], cli.commands["ingest"].get_command(None, "aws").params[1]).startswith(
        "CLOUDCARBON_INGEST_AWS_")


def test_options_from_the_environment(demo_store: Path) -> None:
    env = {"CLOUDCARBON_FOOTPRINT_FORMAT": "json", "CLOUDCARBON_FOOTPRINT_BY": "service",
           "CLOUDCARBON_FOOTPRINT_MONTH": "2026-10"}
    result = invoke(demo_store, "footprint", env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["meta"]["by"] == "service" and document["meta"]["period"].startswith("2026-10-01")
    assert {row["service"] for row in document["rows"]} >= {"AmazonEC2", "AmazonS3"}
    # The command line beats the environment.
    flagged = invoke(demo_store, "footprint", "--format", "csv", env=env)
    assert flagged.exit_code == 0 and flagged.stdout.startswith("service,")
    # A required option and a flag.
    planned = {"CLOUDCARBON_ESTIMATE_INSTANCE_TYPE": "m5.large", "CLOUDCARBON_ESTIMATE_REGION": "us-east-1",
               "CLOUDCARBON_ESTIMATE_HOURS": "10", "CLOUDCARBON_ESTIMATE_FORMAT": "json"}
    estimate = invoke(demo_store, "estimate", env=planned)
    assert estimate.exit_code == 0, estimate.output
    assert json.loads(estimate.stdout)["rows"][0]["region"] == "us-east-1"
    traced = invoke(demo_store, "footprint", "--month", "2026-10", "--format", "jsonl",
                    env={"CLOUDCARBON_FOOTPRINT_TRACE": "1"})
    assert traced.exit_code == 0 and "x_instance_type" in traced.stdout.splitlines()[0]
    # A bad value names the variable it came from.
    usage_error(invoke(demo_store, "footprint", env={"CLOUDCARBON_FOOTPRINT_FORMAT": "xml"}),
                "CLOUDCARBON_FOOTPRINT_FORMAT", "xml")


def complete(words: str) -> list[str]:
    """What bash completion offers after `words` (the last one being completed)."""
    parts = words.split(" ")
    result = CliRunner().invoke(cli, [], prog_name="cloudcarbon", env={
        "_CLOUDCARBON_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)})
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_shell_completion() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "_CLOUDCARBON_COMPLETE=bash_source cloudcarbon" in readme
    for shell, marker in (("bash", "complete -o nosort -F _cloudcarbon_completion cloudcarbon"),
                          ("zsh", "#compdef cloudcarbon"), ("fish", "complete --no-files --command cloudcarbon")):
        script = subprocess.run([str(CLOUDCARBON)], env={**os.environ, "_CLOUDCARBON_COMPLETE": f"{shell}_source"},
                                capture_output=True, text=True, timeout=120)
        assert script.returncode == 0 and marker in script.stdout, (shell, script.stdout[:300], script.stderr)
        assert f"_CLOUDCARBON_COMPLETE={shell}_source cloudcarbon" in readme
    assert complete("cloudcarbon foot") == ["footprint"]
    assert complete("cloudcarbon ingest a") == ["aws", "aws-carbon", "azure", "azure-carbon"]
    assert complete("cloudcarbon footprint --format ") == ["table", "csv", "json", "jsonl", "parquet"]
    assert "--month" in complete("cloudcarbon report --")


def test_a_period_without_usage_names_the_months_the_store_holds(demo_store: Path, tmp_path: Path) -> None:
    """As `report` does: one line, exit 1, what the store holds instead."""
    for args, asked in ((["--month", "2026-12"], "--month 2026-12"), (["--since", "2027-01"], "--since 2027-01")):
        line = one_line_error(invoke(demo_store, "footprint", *args), asked, "holds no usage",
                              "it holds 2026-08 to 2026-10", "cloudcarbon ingest")
        assert line == one_line_error(invoke(demo_store, "footprint", "--trace", *args))
    assert invoke(demo_store, "footprint", "--month", "2026-09").exit_code == 0
    empty = tmp_path / "empty.duckdb"
    with open_store(str(empty)):
        pass
    one_line_error(invoke(empty, "footprint"), "holds no usage yet", "cloudcarbon demo")


# The base install: pyarrow and vl-convert absent (None in sys.modules makes every import of them fail).
BASE_INSTALL = """
import sys
sys.modules.update(pyarrow=None, vl_convert=None)
from cloudcarbon.cli import main
sys.argv[0] = "cloudcarbon"
main()
"""


def base(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BASE_INSTALL, *args], capture_output=True, text=True, timeout=300)


def test_the_base_install_runs_without_the_extras(tmp_path: Path) -> None:
    """demo, footprint (Parquet too: DuckDB writes it) without pyarrow or vl-convert; report and run-monthly say
    in one line which extra to install, before touching the store."""
    db = tmp_path / "demo.duckdb"
    demo = base("--db", str(db), "demo")
    assert demo.returncode == 0 and "Total:" in demo.stderr, demo.stderr
    parquet = tmp_path / "footprint.parquet"
    written = base("--db", str(db), "footprint", "--by", "month", "--format", "parquet", "--output", str(parquet))
    assert written.returncode == 0, written.stderr
    with duckdb.connect() as con:
        assert con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(parquet)}).fetchall() == [(3,)]
    hint = "pip install 'cloudcarbon[report]'"
    report = base("--db", str(db), "report", "--month", "2026-10", "--output", str(tmp_path / "out"))
    assert report.returncode == 1 and report.stderr.count("\n") == 1 and hint in report.stderr, report.stderr
    assert not (tmp_path / "out").exists()
    before = fingerprint(db)
    config = tmp_path / "cloudcarbon.toml"
    demo_export = json.dumps(str(ROOT / "cloudcarbon" / "demo" / "demo-cur2.parquet"))
    config.write_text(f'[[sources]]\ntype = "aws"\npaths = [{demo_export}]\n')
    monthly = base("--db", str(db), "run-monthly", "--config", str(config), "--month", "2026-10")
    assert monthly.returncode == 1 and monthly.stderr.count("\n") == 1 and hint in monthly.stderr, monthly.stderr
    assert fingerprint(db) == before


def test_extras_hold_what_the_base_install_leaves_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {dependency.split(">")[0].split("[")[0] for dependency in project["dependencies"]}
    assert not names & {"pyarrow", "vl-convert-python"}
    extras = project["optional-dependencies"]
    assert any(d.startswith("vl-convert-python") for d in extras["report"])
    assert "cloudcarbon[report]" in extras["serve"]
    assert set(extras["all"][0].split("[")[1].rstrip("]").split(",")) == set(extras) - {"all", "dev"}
    for extra in ("aws", "gcp", "azure"):  # Athena, BigQuery and the Consumption API hand over Arrow tables
        assert any(d.startswith("pyarrow") for d in extras[extra]), extra


def test_a_reader_that_stops_early_is_not_an_error(demo_store: Path) -> None:
    # `cloudcarbon footprint ... | head -1`: the pipe closes while we write. Made certain here by a writer that
    # meets a closed pipe, in a real process (the handler points stdout at /dev/null so the exit flush is quiet).
    code = ("import sys; import cloudcarbon.output as o\n"
            "def closed(*a, **k): raise BrokenPipeError(32, 'Broken pipe')\n"
            "o.emit = o.emit_query = closed\n"
            "from cloudcarbon.cli import main\n"
            f"sys.argv = ['cloudcarbon', '--db', {str(demo_store)!r}, 'footprint', '--format', 'csv']\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 141 and done.stderr == "", (done.returncode, done.stderr)
