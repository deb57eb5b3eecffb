"""Every storage usage type of the legacy and 2.0 CUR is estimated as storage, with its media (ssd/hdd) and
class (object/block/file/archive/database), whether or not the export has `pricing/unit` and with or
without a region prefix; none is listed by `unknowns` as having no energy model. `unknowns` shows each
row's region. Built fixtures run anywhere; the real samples (../shared/reference) when present."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import SAMPLES, no_reference
from curfiles import item, write_cur

# (service, usage type without region prefix, media, class): EC2/EBS, S3, EFS, FSx, RDS, DynamoDB, backups,
# ElastiCache, Redshift, OpenSearch, MSK, Glacier, CloudWatch Logs, ECR — as AWS's price lists name them.
STORAGE_TYPES = [
    ("AmazonEC2", "EBS:VolumeUsage.gp2", "ssd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage.gp3", "ssd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage.io1", "ssd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage.io2", "ssd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage.piops", "ssd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage.st1", "hdd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage.sc1", "hdd", "block"),
    ("AmazonEC2", "EBS:VolumeUsage", "hdd", "block"),  # magnetic ("standard")
    ("AmazonEC2", "EBS:VolumeUsage.standard", "hdd", "block"),
    ("AmazonEC2", "EBS:SnapshotUsage", "hdd", "block"),
    ("AmazonEC2", "EBS:SnapshotArchiveStorage", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-ByteHrs", "hdd", "object"),
    ("AmazonS3", "TimedStorage-RRS-ByteHrs", "hdd", "object"),
    ("AmazonS3", "TimedStorage-SIA-ByteHrs", "hdd", "object"),
    ("AmazonS3", "TimedStorage-SIA-SmObjects", "hdd", "object"),
    ("AmazonS3", "TimedStorage-ZIA-ByteHrs", "hdd", "object"),
    ("AmazonS3", "TimedStorage-ZIA-SmObjects", "hdd", "object"),
    ("AmazonS3", "TimedStorage-INT-FA-ByteHrs", "hdd", "object"),
    ("AmazonS3", "TimedStorage-INT-IA-ByteHrs", "hdd", "object"),
    ("AmazonS3", "TimedStorage-INT-AIA-ByteHrs", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-INT-AA-ByteHrs", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-INT-DAA-ByteHrs", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-GlacierByteHrs", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-GlacierStaging", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-GIR-ByteHrs", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-GIR-SmObjects", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-GDA-ByteHrs", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-GDA-Staging", "hdd", "archive"),
    ("AmazonS3", "TimedStorage-XZ-ByteHrs", "ssd", "object"),  # S3 Express One Zone
    ("AmazonS3", "EarlyDelete-ByteHrs", "hdd", "archive"),  # Glacier Flexible Retrieval's early deletion
    ("AmazonS3", "EarlyDelete-SIA", "hdd", "object"),
    ("AmazonS3", "EarlyDelete-GDA", "hdd", "archive"),
    ("AmazonGlacier", "TimedStorage-ByteHrs", "hdd", "archive"),
    ("AmazonEFS", "TimedStorage-ByteHrs", "ssd", "file"),
    ("AmazonEFS", "TimedStorage-Z-ByteHrs", "ssd", "file"),
    ("AmazonEFS", "IATimedStorage-ByteHrs", "hdd", "file"),
    ("AmazonEFS", "IATimedStorage-Z-ByteHrs", "hdd", "file"),
    ("AmazonEFS", "ArchiveTimedStorage-ByteHrs", "hdd", "file"),
    ("AmazonFSx", "Storage.SSD", "ssd", "file"),
    ("AmazonFSx", "Storage.HDD", "hdd", "file"),
    ("AmazonFSx", "Storage.MultiAZ:SSD", "ssd", "file"),
    ("AmazonFSx", "Storage.SSD.50", "ssd", "file"),
    ("AmazonFSx", "BackupUsage", "hdd", "object"),
    ("AmazonRDS", "RDS:GP2-Storage", "ssd", "database"),
    ("AmazonRDS", "RDS:GP3-Storage", "ssd", "database"),
    ("AmazonRDS", "RDS:PIOPS-Storage", "ssd", "database"),
    ("AmazonRDS", "RDS:Multi-AZ-GP2-Storage", "ssd", "database"),
    ("AmazonRDS", "RDS:StorageUsage", "hdd", "database"),  # magnetic
    ("AmazonRDS", "RDS:ChargedBackupUsage", "hdd", "object"),
    ("AmazonRDS", "Aurora:StorageUsage", "ssd", "database"),
    ("AmazonRDS", "Aurora:BackupUsage", "hdd", "object"),
    ("AmazonDocDB", "StorageUsage", "ssd", "database"),
    ("AmazonDocDB", "BackupUsage", "hdd", "object"),
    ("AmazonNeptune", "StorageUsage", "ssd", "database"),
    ("AmazonDynamoDB", "TimedStorage-ByteHrs", "ssd", "database"),
    ("AmazonDynamoDB", "TimedStorage-IA-ByteHrs", "ssd", "database"),
    ("AmazonDynamoDB", "TimedBackupStorage-ByteHrs", "hdd", "object"),
    ("AmazonDynamoDB", "TimedPITRStorage-ByteHrs", "hdd", "object"),
    ("AWSBackup", "WarmStorage-ByteHrs-EFS", "hdd", "object"),
    ("AWSBackup", "ColdStorage-ByteHrs-EFS", "hdd", "archive"),
    ("AmazonElastiCache", "ElastiCache:BackupUsage", "hdd", "object"),
    ("AmazonRedshift", "RMS:ra3.4xlarge", "hdd", "object"),  # managed storage, held in S3
    ("AmazonRedshift", "Redshift:PaidSnapshots", "hdd", "object"),
    ("AmazonES", "ES:GP2-Storage", "ssd", "block"),
    ("AmazonES", "ES:Magnetic-Storage", "hdd", "block"),
    ("AmazonMSK", "Kafka.Storage.GP2", "ssd", "block"),
    ("AmazonCloudWatch", "TimedStorage-ByteHrs", "hdd", "object"),  # archived logs
    ("AmazonECR", "TimedStorage-ByteHrs", "hdd", "object"),
]
# Usage-type prefix -> region (us-east-1 also appears without one).
PREFIXES = {"": "us-east-1", "USE1-": "us-east-1", "EU-": "eu-west-1", "USW2-": "us-west-2", "APN1-": "ap-northeast-1"}
HOURS_IN_JANUARY = 31 * 24


def storage_lines(unit: str | None) -> list[dict]:
    return [
        item(product_code=service, usage_type=f"{prefix}{usage}", instance_type="", vcpu="", region="", az="",
             unit=unit, amount=10.0, cost=1.0, resource_id=f"{service}-{usage}-{prefix}")
        for service, usage, _, _ in STORAGE_TYPES for prefix in PREFIXES
    ]


def stored(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("style", "name", "unit"), [("legacy", "cur.csv", "GB-Mo"), ("legacy", "nounit.csv", None),
                                                     ("cur2", "cur.parquet", "GB-Mo")])
def test_every_storage_usage_type_is_storage_with_media_class_and_region(tmp_path, run, db, style, name, unit):
    run("ingest", "aws", str(write_cur(tmp_path / name, storage_lines(unit), style)))
    rows = stored(db, """SELECT service_name, x_usage_type, x_usage_kind, x_storage_media, x_storage_class,
                                x_storage_gib_hours, region_id FROM usage""")
    got = {(service, usage): rest for service, usage, *rest in rows}
    expected = {
        (service, f"{prefix}{usage}"): ["storage", media, cls, 10.0 * HOURS_IN_JANUARY, region]
        for service, usage, media, cls in STORAGE_TYPES for prefix, region in PREFIXES.items()
    }
    wrong = {key: (got.get(key), want) for key, want in expected.items() if got.get(key) != want}
    assert not wrong, wrong
    listed = json.loads(run("unknowns", "--format", "json").stdout)["rows"]
    assert not [r for r in listed if r["reason"] == "usage type has no energy model"], listed


def test_unknowns_show_the_region_of_every_row(tmp_path, run, db):
    lines = [
        item(usage_type="EU-BoxUsage:zz9.mega", instance_type="zz9.mega", region="eu-west-1", az="eu-west-1a"),
        item(product_code="AmazonS3", usage_type="USW2-Requests-Tier1", instance_type="", vcpu="", region="", az="",
             unit="Requests", amount=1000, resource_id="bucket"),
        item(product_code="AmazonS3", usage_type="APN1-Requests-Tier1", instance_type="", vcpu="", region="", az="",
             unit="Requests", amount=10, resource_id="bucket-2"),
    ]
    run("ingest", "aws", str(write_cur(tmp_path / "cur.csv", lines, "legacy")))
    listed = json.loads(run("unknowns", "--format", "json").stdout)["rows"]
    assert sorted((r["usage_type"], r["region"]) for r in listed) == [
        ("BoxUsage:zz9.mega", "eu-west-1"), ("Requests-Tier1", "ap-northeast-1"), ("Requests-Tier1", "us-west-2")]


REAL = SAMPLES / "aws-cur" / "legacy-cur_csv_anonymized_2023-11_daily_1281rows.csv"


@pytest.mark.skipif(not REAL.exists(), reason=no_reference(REAL))
def test_the_real_sample_storage_is_classed_and_unknowns_have_regions(run, db):
    """The anonymized 2023 legacy CUR: S3 Standard and Glacier, Glacier early deletion, EFS and CloudWatch
    Logs storage (all GB-Mo) are storage with the expected class; every unknowns row names its region."""
    run("ingest", "aws", str(REAL))
    classes = dict(stored(db, """
        SELECT service_name || ' ' || regexp_replace(x_usage_type, '^[A-Z]{2,4}[0-9]?-', ''),
               x_storage_media || ' ' || x_storage_class
        FROM usage WHERE consumed_unit = 'GB-Mo' GROUP BY ALL"""))
    assert classes == {
        "AmazonS3 TimedStorage-ByteHrs": "hdd object",
        "AmazonS3 TimedStorage-GlacierByteHrs": "hdd archive",
        "AmazonS3 EarlyDelete-ByteHrs": "hdd archive",
        "AmazonEFS TimedStorage-ByteHrs": "ssd file",
        "AmazonCloudWatch TimedStorage-ByteHrs": "hdd object",
    }
    listed = json.loads(run("unknowns", "--format", "json").stdout)["rows"]
    assert listed and all(r["region"] for r in listed), [r for r in listed if not r["region"]]
    regions = {r["region"] for r in listed}
    assert {"ca-central-1", "us-west-2"} <= regions, regions
