"""`run-monthly` end to end with the bundled demo export as the configured source, the config's rules
(no secrets, env references, connector registry), and the cron / GitHub Actions / Airflow examples."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner
from conftest import fingerprint, one_line_error

from cloudcarbon import connectors
from cloudcarbon.cli import cli
from cloudcarbon.schedule import _config_terms, connector, load_config, previous_month

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SECRET_VALUE = "profile-value-that-must-not-leak-7c1d"


@pytest.fixture(scope="module")
def demo_export() -> Path:
    with as_file(files("cloudcarbon.demo").joinpath("demo-cur2.parquet")) as path:
        yield path


def write_config(directory: Path, demo_export: Path, extra: str = "") -> Path:
    config = directory / "cloudcarbon.toml"
    config.write_text(f"""
db = "store.duckdb"
[report]
output = "reports/{{month}}"
by_tag = "team"
[[sources]]
type = "aws"
paths = [{json.dumps(str(demo_export))}]
{extra}
""")
    return config


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_run_monthly_end_to_end_and_idempotent(tmp_path: Path, demo_export: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_TEST_PROFILE", SECRET_VALUE)
    config = write_config(tmp_path, demo_export, 'profile = {env = "CC_TEST_PROFILE"}')
    first = invoke("run-monthly", "--config", str(config), "--month", "2026-10")
    assert first.exit_code == 0, first.output
    store = tmp_path / "store.duckdb"
    report_dir = tmp_path / "reports" / "2026-10"
    expected = [f"report-2026-10.{kind}" for kind in ("csv", "html", "json", "md")]
    assert sorted(p.name for p in report_dir.iterdir()) == expected
    with duckdb.connect(str(store), read_only=True) as con:
        rows_after_first = con.execute("SELECT count(*) FROM usage").fetchall()[0][0]

    second = invoke("run-monthly", "--config", str(config), "--month", "2026-10")
    assert second.exit_code == 0, second.output
    assert "(replaced)" in second.stderr
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM usage").fetchall()[0][0] == rows_after_first
    document = json.loads((report_dir / "report-2026-10.json").read_text())
    restated = {row["billing_period"] for row in document["data_quality"]["restated"]}
    assert restated == {"2026-08", "2026-09", "2026-10"}
    assert all(row["ingests"] == 2 and row["rows_replaced"] > 0 for row in document["data_quality"]["restated"])

    # The env reference reached the connector at run time and was written nowhere.
    everything = [first.output, second.output, fingerprint(store)]
    with duckdb.connect(str(store), read_only=True) as con:
        everything += [repr(row) for table in ("usage", "ingests", "ingest_periods")
                       for row in con.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM {table}").fetchall()]
    everything += [p.read_text() for p in report_dir.iterdir()]
    assert not any(SECRET_VALUE in text for text in everything)


def write_sources(directory: Path, *paths: Path) -> Path:
    """A config with one aws source per path."""
    config = directory / "cloudcarbon.toml"
    sources = "".join(f'[[sources]]\ntype = "aws"\npaths = [{json.dumps(str(p))}]\n' for p in paths)
    config.write_text(f'db = "store.duckdb"\n[report]\noutput = "reports/{{month}}"\n{sources}')
    return config


@pytest.fixture
def broken_export(tmp_path: Path) -> Path:
    path = tmp_path / "broken-cur.csv"
    path.write_text("this is not,a cost and usage report\n1,2\n")
    return path


def usage_rows(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT count(*) FROM usage").fetchall()[0][0]


def test_a_failed_source_is_reported_and_no_report_is_written(tmp_path: Path, demo_export: Path,
                                                            broken_export: Path) -> None:
    """Each source is its own atomic ingest: the ones that worked stay in the store, the run says which
    worked and which failed and why, exits 1, and writes no report of a half-updated month."""
    config = write_sources(tmp_path, demo_export, broken_export, demo_export)
    result = invoke("run-monthly", "--config", str(config), "--month", "2026-10")
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["sources[0] (aws)", "sources[2] (aws)", "Error"], lines
    assert "ingested 1 file(s)" in lines[0] and "(replaced)" in lines[1]  # the third ran after the second failed
    error = lines[-1]
    for part in ("2026-10", f"sources[1] (aws) of {config} failed", str(broken_export),
                 "sources[0] (aws), sources[2] (aws)",
                 "updated", "each source is its own atomic ingest", "no report", "--allow-partial"):
        assert part in error, (part, error)
    assert usage_rows(tmp_path / "store.duckdb") > 0  # the sources that worked are in
    assert not (tmp_path / "reports").exists()
    assert result.stdout == ""


def test_allow_partial_writes_a_report_that_names_the_missing_source(tmp_path: Path, demo_export: Path,
                                                                   broken_export: Path) -> None:
    config = write_sources(tmp_path, demo_export, broken_export)
    result = invoke("run-monthly", "--config", str(config), "--month", "2026-10", "--allow-partial")
    assert result.exit_code == 1, result.output
    assert f"sources[1] (aws) of {config} failed" in result.stderr and "written without it" in result.stderr
    report_dir = tmp_path / "reports" / "2026-10"
    assert str(report_dir / "report-2026-10.html") in result.stdout
    document = json.loads((report_dir / "report-2026-10.json").read_text())
    [missing] = document["meta"]["missing_sources"]
    assert missing.startswith("sources[1] (aws): ") and str(broken_export) in missing
    for name in ("html", "md"):
        text = (report_dir / f"report-2026-10.{name}").read_text()
        assert "sources[1] (aws)" in text and "not updated" in text, name
    # A complete run's report has no such notice.
    (tmp_path / "complete").mkdir()
    complete = write_sources(tmp_path / "complete", demo_export)
    assert invoke("run-monthly", "--config", str(complete), "--month", "2026-10").exit_code == 0
    document = json.loads((tmp_path / "complete" / "reports" / "2026-10" / "report-2026-10.json").read_text())
    assert document["meta"]["missing_sources"] == []
    assert "not updated" not in (tmp_path / "complete" / "reports" / "2026-10" / "report-2026-10.html").read_text()


@pytest.mark.parametrize("extra, names", [
    ('aws_secret_access_key = "abc123"', ["aws_secret_access_key", "env"]),
    ('token = "abc123"', ["token", "env"]),
    ('colour = "blue"', ["colour", "profile"]),
    ('profile = {env = "CC_TEST_NOT_SET"}', ["CC_TEST_NOT_SET"]),
])
def test_config_errors_are_one_line(tmp_path: Path, demo_export: Path, extra: str, names: list[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CC_TEST_NOT_SET", raising=False)
    config = write_config(tmp_path, demo_export, extra)
    line = one_line_error(invoke("run-monthly", "--config", str(config), "--month", "2026-10"), *names)
    assert "abc123" not in line
    assert not (tmp_path / "store.duckdb").exists()


def test_bad_config_files(tmp_path: Path) -> None:
    one_line_error(invoke("run-monthly", "--config", str(tmp_path / "none.toml")), "none.toml", "examples/")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[sources]\ntype = ")
    one_line_error(invoke("run-monthly", "--config", str(broken)), "broken.toml", "TOML")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[[sources]]\ntype = "oracle"\npaths = ["x"]\n')
    one_line_error(invoke("run-monthly", "--config", str(unknown)), "oracle", "aws")
    empty = tmp_path / "empty.toml"
    empty.write_text("db = 'x.duckdb'\n")
    one_line_error(invoke("run-monthly", "--config", str(empty)), "[[sources]]")


def test_sources_find_every_registered_connector_and_its_modes() -> None:
    for registered in connectors.every():
        assert connector(registered.name) is registered.ingest
        for mode, ingest in registered.modes.items():
            assert connector(registered.name, mode) is ingest
    assert set(connectors.get("aws").modes) == {"athena"}
    assert connector("aws-carbon") is connectors.get("aws_carbon").ingest  # the command's spelling works too


def test_a_mode_source_is_checked_before_anything_runs(tmp_path: Path) -> None:
    """A source read in place (mode) takes no paths, needs its required options and refuses unknown modes."""
    cases = {
        'type = "aws"\nmode = "athena"\ndatabase = "cur"\ntable = "t"\nworkgroup = "w"\npaths = ["x"]\n':
            ["sources[0].paths", "takes no paths"],
        'type = "aws"\nmode = "athena"\ndatabase = "cur"\n': ["sources[0].table", "needs table, workgroup"],
        'type = "aws"\nmode = "warehouse"\n': ["warehouse", "athena"],
        'type = "focus"\nmode = "api"\n': ["focus", "give paths"],
        'type = "gcp"\nmode = "bigquery"\ntable = "p.d.t"\nclient = "x"\n': ["sources[0].client", "no option"],
    }
    for n, (body, names) in enumerate(cases.items()):
        config = tmp_path / f"c{n}.toml"
        config.write_text("[[sources]]\n" + body)
        one_line_error(invoke("run-monthly", "--config", str(config), "--month", "2026-10"), str(config), *names)
    good = tmp_path / "good.toml"
    good.write_text('[[sources]]\ntype = "aws"\nmode = "athena"\ndatabase = "cur"\ntable = "t"\nworkgroup = "w"\n')
    source = load_config(good).sources[0]
    assert (source.type, source.mode, source.paths) == ("aws", "athena", [])
    assert source.options == {"database": "cur", "table": "t", "workgroup": "w"}


def test_default_month_is_the_previous_one() -> None:
    assert previous_month(date(2026, 1, 15)) == "2025-12"
    assert previous_month(date(2026, 11, 1)) == "2026-10"


def test_example_config_is_valid_and_holds_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(EXAMPLES / "cloudcarbon.toml")
    assert config.sources[0].type == "aws" and "{month}" in config.sources[0].paths[0]
    assert config.sources[0].options == {"profile": {"env": "AWS_BILLING_PROFILE"}}


def _cron_command(line: str) -> tuple[str, list[str]]:
    """(schedule, cloudcarbon arguments) of a crontab line running cloudcarbon."""
    fields = line.split(None, 5)
    arguments = re.search(r"cloudcarbon (run-monthly[^>]*)", fields[5])
    assert arguments, line
    return " ".join(fields[:5]), shlex.split(arguments[1])


def _cron_line() -> str:
    lines = [line for line in (EXAMPLES / "cron" / "cloudcarbon.cron").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 1
    return lines[0]


def test_cron_example_runs(tmp_path: Path, demo_export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schedule, arguments = _cron_command(_cron_line())
    assert schedule == "0 6 3 * *" and arguments[:3] == ["run-monthly", "--config", "cloudcarbon.toml"]
    write_config(tmp_path, demo_export)
    monkeypatch.chdir(tmp_path)
    result = invoke(*arguments, "--month", "2026-10")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "2026-10" / "report-2026-10.html").exists()


def test_github_actions_example_uses_oidc_and_the_same_command(tmp_path: Path, demo_export: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    text = (EXAMPLES / "github-actions" / "cloudcarbon-monthly.yml").read_text()
    workflow = yaml.safe_load(text)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    schedule, arguments = _cron_command(_cron_line())
    assert triggers["schedule"][0]["cron"] == schedule
    assert workflow["permissions"]["id-token"] == "write"
    steps = workflow["jobs"]["report"]["steps"]
    oidc = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert oidc["with"]["role-to-assume"].startswith("arn:aws:iam::")
    assert "aws-access-key-id" not in text and "secrets." not in text
    runs = [s["run"] for s in steps if "run" in s and "cloudcarbon run-monthly" in s["run"]]
    assert len(runs) == 1 and shlex.split(runs[0])[1:] == arguments
    write_config(tmp_path, demo_export)
    monkeypatch.chdir(tmp_path)
    result = invoke(*shlex.split(runs[0])[1:], "--month", "2026-10")
    assert result.exit_code == 0, result.output


def test_airflow_example_callable_without_airflow(tmp_path: Path, demo_export: Path) -> None:
    example = EXAMPLES / "airflow" / "cloudcarbon_monthly.py"
    spec = importlib.util.spec_from_file_location("cloudcarbon_monthly", example)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.run_cloudcarbon_monthly(str(write_config(tmp_path, demo_export)), month="2026-10")
    assert set(written) == {"html", "csv", "json", "md"}
    document = json.loads(Path(written["json"]).read_text())
    assert document["meta"]["month"] == "2026-10" and document["summary"]["totals"]["total_kgco2e"] > 0


def test_local_example_runs_offline_as_documented(tmp_path: Path, demo_export: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/local/cloudcarbon.toml, run by the command its comment and the README give, from the
    repository's root (here a copy of the two files it uses): a store and a report, no network."""
    example = EXAMPLES / "local" / "cloudcarbon.toml"
    [command] = re.findall(r"^#\s+(cloudcarbon run-monthly .*)$", example.read_text(), re.MULTILINE)
    assert command in (ROOT / "README.md").read_text()
    (tmp_path / "examples" / "local").mkdir(parents=True)
    shutil.copy(example, tmp_path / "examples" / "local")
    (tmp_path / "cloudcarbon" / "demo").mkdir(parents=True)
    (tmp_path / "cloudcarbon" / "demo" / "demo-cur2.parquet").symlink_to(demo_export)
    monkeypatch.chdir(tmp_path)
    result = invoke(*shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    assert "3 period(s)" in result.stderr
    report = tmp_path / "examples" / "local" / "reports" / "2026-10"
    assert sorted(p.name for p in report.iterdir()) == [f"report-2026-10.{kind}" for kind in ("csv", "html", "json",
                                                                                                 "md")]
    assert json.loads((report / "report-2026-10.json").read_text())["summary"]["totals"]["total_kgco2e"] > 0
    assert usage_rows(tmp_path / "examples" / "local" / "example.duckdb") > 0


def test_a_failed_source_names_the_resolved_path_and_the_config(tmp_path: Path) -> None:
    config = tmp_path / "cloudcarbon.toml"
    config.write_text('db = "store.duckdb"\n[[sources]]\ntype = "aws"\npaths = ["exports/{month}/"]\n')
    line = one_line_error(invoke("run-monthly", "--config", str(config), "--month", "2026-10"))
    assert f"sources[0] (aws) of {config} failed: {tmp_path / 'exports' / '2026-10'}" in line, line
    assert "{month}" not in line


def test_a_value_from_the_environment_is_named_not_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An {env = "NAME"} value reaches the connector; its error names the source's key and the variable, never
    the value (it may be secret) nor a ${...} placeholder, and a command to run still runs as printed."""
    monkeypatch.setenv("CC_TEST_PROFILE", SECRET_VALUE)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    config = tmp_path / "cloudcarbon.toml"
    config.write_text('[[sources]]\ntype = "aws"\npaths = ["s3://billing/cur/{month}/"]\n'
                      'profile = {env = "CC_TEST_PROFILE"}\n')
    line = one_line_error(invoke("--db", str(tmp_path / "s.duckdb"), "run-monthly", "--config", str(config),
                                 "--month", "2026-10"), f"sources[0] (aws) of {config} failed",
                          "s3://billing/cur/2026-10/", "the value of CC_TEST_PROFILE")
    assert SECRET_VALUE not in line and "${" not in line
    options = {"profile": {"env": "CC_TEST_PROFILE"}, "region": "eu-west-1"}
    assert _config_terms(f"profile {SECRET_VALUE!r} (from --profile) is unknown; run `aws configure --profile "
                         f"{SECRET_VALUE}` or pass another --profile or --region-name", options) == (
        'profile the value of CC_TEST_PROFILE (from profile) is unknown; run `aws configure --profile '
        '"$CC_TEST_PROFILE"` or pass another profile or --region-name')
