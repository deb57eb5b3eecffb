"""`.csv.zip` exports are read as streams out of the archive: nothing is unpacked to the temp directory, a
member that would expand beyond the stated bounds (ratio or declared size) is refused before it is read,
and every message and stored file name names the user's archive and member, never a temp path."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import azurefiles
import duckdb
import pytest
from conftest import fingerprint, one_line_error
from curfiles import item, write_cur
from test_focus import row as focus_row
from test_focus import write_focus

from cloudcarbon.connectors import files


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp directory of the ingest, empty, so that anything written to it shows."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    return folder


@pytest.fixture
def seeded(tmp_path: Path, run, db: Path) -> str:
    run("ingest", "aws", str(write_cur(tmp_path / "seed.parquet", [item(payer="999999999999")])))
    return fingerprint(db)


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def stored_files(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [name for (name,) in con.execute("SELECT DISTINCT x_source_file FROM usage ORDER BY 1").fetchall()]


@pytest.mark.parametrize("connector", ["aws", "azure", "focus"])
def test_a_zip_is_streamed_and_named_as_the_users_file(tmp_path, temp_dir, run, db, connector):
    plain = tmp_path / "plain" / "x.csv"
    plain.parent.mkdir()
    {"aws": lambda p: write_cur(p, [item(resource_id=f"i-{n}") for n in range(3)], "legacy"),
     "azure": lambda p: azurefiles.write_export(p, azurefiles.mixed_rows()),
     "focus": lambda p: write_focus(p, [focus_row(ResourceId=f"i-{n}") for n in range(3)])}[connector](plain)
    archive = zipped(tmp_path / "bill.csv.zip", {"x.csv": plain.read_bytes()})
    run("ingest", connector, str(archive))
    assert list(temp_dir.iterdir()) == []  # nothing unpacked to the system temp directory
    [name] = stored_files(db)
    assert str(archive) in name and name.endswith("/x.csv"), name


def test_an_error_in_a_zip_member_names_the_archive_and_member(tmp_path, temp_dir, seeded, run, db):
    plain = write_cur(tmp_path / "x.csv", [item(resource_id=f"i-{n}") for n in range(3)], "legacy")
    bad = plain.read_text().replace(",0.096,", ",lots,", 1)
    archive = zipped(tmp_path / "bill.csv.zip", {"x.csv": bad.encode()})
    line = one_line_error(run("ingest", "aws", str(archive), expect=1), str(archive), "x.csv", "data row 1",
                          "lineItem/UnblendedCost")
    assert tempfile.gettempdir() not in line and "unzip" not in line, line
    assert fingerprint(db) == seeded


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path, temp_dir, seeded, run, db):
    header = write_cur(tmp_path / "x.csv", [item()], "legacy").read_bytes()
    archive = zipped(tmp_path / "bomb.csv.zip", {"x.csv": header + b"9" * 200_000_000})  # ~200 KB compressed
    line = one_line_error(run("ingest", "aws", str(archive), expect=1), str(archive), "x.csv", "200:1")
    assert list(temp_dir.iterdir()) == [], line
    assert fingerprint(db) == seeded


def test_a_member_declaring_more_than_the_size_bound_is_refused(tmp_path, temp_dir, seeded, run, db, monkeypatch):
    """The bound itself (tens of GiB) is too big to build here, so the test lowers it."""
    monkeypatch.setattr(files, "ZIP_MAX_MEMBER_BYTES", 1000)
    plain = write_cur(tmp_path / "x.csv", [item(resource_id=f"i-{n}") for n in range(40)], "legacy")
    archive = zipped(tmp_path / "bill.csv.zip", {"x.csv": plain.read_bytes()})
    one_line_error(run("ingest", "aws", str(archive), expect=1), str(archive), "x.csv", "1,000 bytes")
    assert fingerprint(db) == seeded


def test_encrypted_and_unreadable_members_are_named(tmp_path, seeded, run, db):
    plain = write_cur(tmp_path / "x.csv", [item()], "legacy")
    archive = zipped(tmp_path / "locked.csv.zip", {"x.csv": plain.read_bytes()})
    data = bytearray(archive.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        at = data.find(signature)
        data[at + flag_offset] |= 0x01  # the "encrypted" bit
    archive.write_bytes(bytes(data))
    one_line_error(run("ingest", "aws", str(archive), expect=1), str(archive), "x.csv", "encrypted")
    assert fingerprint(db) == seeded
