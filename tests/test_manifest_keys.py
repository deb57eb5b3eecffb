"""A manifest may list only files of its own report: a key that is absolute, climbs out with `..`, or is
found only outside the report's folder is refused in one line naming the manifest and the key, and the
file it points at is never read. (A hostile manifest could otherwise make `ingest aws|azure` read any
file the user can.) The `s3://` cases are in test_s3.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from azurefiles import vm, write_export
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    return fingerprint(db)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A valid CUR file beside (not inside) the report folders: were it read, the ingest would succeed."""
    (tmp_path / "outside").mkdir()
    return write_cur(tmp_path / "outside" / "secret-cur.csv", [item(payer="111111111111")], "legacy")


def legacy_report(root: Path, keys: list[str]) -> Path:
    """A local copy of a legacy CUR report: one period folder, its current assembly and manifest."""
    period = root / "cur" / "acme" / "20250101-20250201"
    (period / "asm-1").mkdir(parents=True)
    write_cur(period / "asm-1" / "acme-00001.csv.gz", [item()], "legacy")
    manifest = period / "acme-Manifest.json"
    manifest.write_text(json.dumps({"assemblyId": "asm-1", "bucket": "billing", "reportKeys": keys}))
    return manifest


def cur2_report(root: Path, keys: list[str]) -> Path:
    export = root / "exports" / "acme-cur2"
    (export / "data" / "BILLING_PERIOD=2025-01").mkdir(parents=True)
    write_cur(export / "data" / "BILLING_PERIOD=2025-01" / "acme-cur2-00001.parquet", [item()])
    manifest = export / "metadata" / "BILLING_PERIOD=2025-01" / "acme-cur2-Manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"reportName": "acme-cur2", "dataFiles": keys}))
    return manifest


def test_well_formed_manifests_still_find_their_files(tmp_path, run, db):
    legacy = legacy_report(tmp_path / "a", ["cur/acme/20250101-20250201/asm-1/acme-00001.csv.gz"])
    cur2 = cur2_report(tmp_path / "b", ["s3://billing/exports/acme-cur2/data/BILLING_PERIOD=2025-01/"
                                        "acme-cur2-00001.parquet"])
    assert "ingested 1 file(s)" in run("ingest", "aws", str(legacy)).stderr
    assert "ingested 1 file(s)" in run("ingest", "aws", str(cur2.parents[2])).stderr


def escaping_key(outside: Path, manifest: Path, how: str) -> str:
    """A key reaching `outside` from `manifest`: climbing out, absolute, or relative but present only above
    the report folder (found before by searching every ancestor folder of the manifest)."""
    climbs = os.path.relpath(outside, manifest.parent)
    return {"dot-dot": climbs, "absolute": str(outside), "ancestor": "outside/secret-cur.csv",
            "s3-dot-dot": f"s3://billing/{climbs}"}[how]


@pytest.mark.parametrize("layout", [legacy_report, cur2_report], ids=["legacy", "cur2"])
@pytest.mark.parametrize("how", ["dot-dot", "absolute", "ancestor", "s3-dot-dot"])
def test_a_cur_manifest_key_outside_its_report_is_refused(tmp_path, seeded, outside, run, db, layout, how):
    manifest = layout(tmp_path / "reports", [])
    key = escaping_key(outside, manifest, how)
    document = json.loads(manifest.read_text())
    document["dataFiles" if "dataFiles" in document else "reportKeys"] = [key]
    manifest.write_text(json.dumps(document))
    one_line_error(run("ingest", "aws", str(manifest), expect=1), str(manifest), key)
    assert fingerprint(db) == seeded  # the outside file, a valid CUR, was not ingested


def azure_run(root: Path, blob: str) -> Path:
    run_dir = root / "cost" / "partitioned" / "20251001-20251031" / "202510041442" / "73746dc5"
    write_export(run_dir / "000001.csv", [vm("Standard_D2s_v3", 10)])
    (run_dir / "manifest.json").write_text(json.dumps(
        {"manifestVersion": "2021-01-01", "dataFormat": "csv", "blobCount": 1,
         "blobs": [{"blobName": blob, "byteCount": 1, "dataRowCount": 1, "headerRowCount": 1}]}))
    return run_dir / "manifest.json"


def test_an_azure_manifest_blob_outside_its_run_folder_is_refused(tmp_path, seeded, run, db):
    outside = write_export(tmp_path / "outside" / "secret-export.csv", [vm("Standard_D2s_v3", 99)])
    for number, blob in enumerate(["../../../../../../outside/secret-export.csv", str(outside),
                                   "outside/secret-export.csv"]):
        manifest = azure_run(tmp_path / "runs" / str(number), blob)
        one_line_error(run("ingest", "azure", str(manifest.parents[4]), expect=1), str(manifest), blob)
        assert fingerprint(db) == seeded
    good = azure_run(tmp_path / "good", "cost/partitioned/20251001-20251031/202510041442/73746dc5/000001.csv")
    assert "ingested 1 file(s)" in run("ingest", "azure", str(good)).stderr
