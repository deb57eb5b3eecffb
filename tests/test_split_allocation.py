"""AWS CUR split cost allocation data (EKS/ECS `split_line_item_*`, issue 13): a node's hours, cost and footprint
are split over its pods by their allocated vCPU and memory, its unused capacity stays a group of its own, and the
pods and the rest add up to the node, in CUR 2.0 and legacy CUR spellings. Fixture: the one-node-hour example of
../shared/reference/aws-split-cost-allocation/ (AWS's documented method), written here in code."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from cloudcarbon.connectors.aws.formats import legacy_to_snake

NODE = "i-0abc123def4567890"
CLUSTER_TAGS = {"aws:eks:cluster-name": "prod"}
# pod -> namespace, vCPU allocated (split usage), GB allocated, workload
PODS = {
    "api-7d9f8-abcde": ("payments", 1.0, 4.0, "api"),
    "worker-5c6d7-fghij": ("payments", 1.2, 2.5, "worker"),
    "indexer-0": ("search", 0.5, 2.0, "indexer"),
}
VCPUS, GB = 4, 16  # m5.xlarge
COLUMNS = [
    "bill_payer_account_id", "bill_billing_period_start_date", "line_item_usage_account_id",
    "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date", "line_item_product_code",
    "line_item_usage_type", "line_item_operation", "line_item_resource_id", "line_item_usage_amount",
    "line_item_unblended_cost", "line_item_currency_code", "pricing_unit", "product_instance_type",
    "product_region_code", "split_line_item_parent_resource_id", "split_line_item_split_usage",
    "split_line_item_split_usage_ratio",
]


def line(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "bill_payer_account_id": "111122223333", "bill_billing_period_start_date": "2026-05-01T00:00:00Z",
        "line_item_usage_account_id": "111122223333", "line_item_line_item_type": "Usage",
        "line_item_usage_start_date": "2026-05-01T10:00:00Z", "line_item_usage_end_date": "2026-05-01T11:00:00Z",
        "line_item_currency_code": "USD", "product_region_code": "us-east-1",
    }
    return {**base, **fields}


def node_hour(pods: dict[str, tuple[str, float, float, str]] = PODS, *, ratios: bool = True, start: str = "10"
              ) -> list[tuple[dict[str, object], dict[str, str]]]:
    """The EC2 line of one m5.xlarge node-hour (0.192 USD) and each pod's vCPU and memory split lines."""
    times = {"line_item_usage_start_date": f"2026-05-01T{start}:00:00Z",
             "line_item_usage_end_date": f"2026-05-01T{int(start) + 1:02d}:00:00Z"}
    lines = [(line(line_item_product_code="AmazonEC2", line_item_usage_type="BoxUsage:m5.xlarge",
                   line_item_operation="RunInstances", line_item_resource_id=NODE, line_item_usage_amount=1,
                   line_item_unblended_cost=0.192, pricing_unit="Hrs", product_instance_type="m5.xlarge", **times),
              CLUSTER_TAGS)]
    for pod, (namespace, vcpu, gb, workload) in pods.items():
        arn = f"arn:aws:eks:us-east-1:111122223333:pod/prod/{namespace}/{pod}/uid-{pod}"
        tags = {**CLUSTER_TAGS, "aws:eks:namespace": namespace, "aws:eks:workload-name": workload}
        for kind, amount, available in (("vCPU", vcpu, VCPUS), ("GB", gb, GB)):
            lines.append((line(line_item_product_code="AmazonEKS", line_item_usage_type=f"EKS-EC2-{kind}-Hours",
                               line_item_operation="EKSPod-EC2", line_item_resource_id=arn,
                               line_item_usage_amount=amount, line_item_unblended_cost=0, pricing_unit="Hrs",
                               split_line_item_parent_resource_id=NODE, split_line_item_split_usage=amount,
                               split_line_item_split_usage_ratio=amount / available if ratios else None, **times),
                          tags))
    return lines


def write_cur2(path: Path, lines: list[tuple[dict[str, object], dict[str, str]]], columns: list[str] = COLUMNS
               ) -> Path:
    """A CUR 2.0 CSV (product and resource_tags as JSON text, as CUR 2.0 CSV writes its maps)."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*columns, "product", "resource_tags"])
        for fields, tags in lines:
            writer.writerow([*("" if fields.get(c) is None else fields[c] for c in columns),
                             json.dumps({"region": "us-east-1"}), json.dumps(tags)])
    return path


def write_legacy(path: Path, lines: list[tuple[dict[str, object], dict[str, str]]]) -> Path:
    """A legacy CUR CSV: `lineItem/UsageType`, `splitLineItem/SplitUsage`, tags as resourceTags/ columns."""
    legacy = {c: "/".join([{"bill": "bill", "line": "lineItem", "pricing": "pricing", "product": "product",
                            "split": "splitLineItem"}[c.split("_")[0]], _camel(c)]) for c in COLUMNS}
    tag_keys = sorted({k for _, tags in lines for k in tags})
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*legacy.values(), *(f"resourceTags/{k}" for k in tag_keys)])
        for fields, tags in lines:
            writer.writerow([*("" if fields.get(c) is None else fields[c] for c in COLUMNS),
                             *(tags.get(k, "") for k in tag_keys)])
    assert all(legacy_to_snake(name) == c for c, name in legacy.items())
    return path


def _camel(column: str) -> str:
    """`line_item_usage_type` -> `UsageType` (legacy CUR's attribute after the category); pricing/product lower."""
    prefix = next(p for p in ("line_item_", "split_line_item_", "bill_", "pricing_", "product_") if
                  column.startswith(p))
    words = column[len(prefix):].split("_")
    camel = "".join(w.capitalize() for w in words)
    return camel[0].lower() + camel[1:] if prefix in ("pricing_", "product_") else camel


def footprint(run, by: str, *extra: str) -> dict[object, dict]:
    rows = json.loads(run("footprint", "--by", by, "--format", "json", *extra).stdout)["rows"]
    return {row[by]: row for row in rows}


def expected_share(vcpu: float, gb: float) -> float:
    return (9 * vcpu + gb) / (9 * VCPUS + GB)


@pytest.mark.parametrize("shape", ["cur2", "legacy"])
def test_pods_and_the_unallocated_rest_add_up_to_the_node(run, db, tmp_path, shape):
    whole = tmp_path / "whole.duckdb"
    node_only = write_cur2(tmp_path / "node.csv", node_hour()[:1])
    assert run("--db", str(whole), "ingest", "aws", str(node_only)).exit_code == 0
    node = footprint(lambda *a: run("--db", str(whole), *a), "resource")[NODE]

    writer = write_cur2 if shape == "cur2" else write_legacy
    result = run("ingest", "aws", str(writer(tmp_path / "split.csv", node_hour())))
    assert "6 split line item (its share is applied to its parent instance's line)" in result.stderr
    pods = footprint(run, "k8s:pod")
    assert set(pods) == {"payments/api-7d9f8-abcde", "payments/worker-5c6d7-fghij", "search/indexer-0",
                         "(unallocated)"}
    for pod, (namespace, vcpu, gb, _) in PODS.items():
        row = pods[f"{namespace}/{pod}"]
        assert row["energy_kwh"] == pytest.approx(node["energy_kwh"] * expected_share(vcpu, gb), rel=1e-9)
        assert row["cost"] == pytest.approx(0.192 * expected_share(vcpu, gb), rel=1e-9)
    # AWS's own split cost of the api pod (the reference example): 0.03323077 + 0.01476923 USD.
    assert pods["payments/api-7d9f8-abcde"]["cost"] == pytest.approx(0.03323077 + 0.01476923, abs=1e-8)
    unused = 1 - sum(expected_share(v, g) for _, v, g, _ in PODS.values())
    assert pods["(unallocated)"]["total_kgco2e"] == pytest.approx(node["total_kgco2e"] * unused, rel=1e-9)
    for by in ("k8s:pod", "k8s:namespace", "k8s:cluster", "resource"):
        groups = footprint(run, by)
        for figure in ("energy_kwh", "total_kgco2e", "vcpu_hours", "cost"):
            assert sum(r[figure] for r in groups.values()) == pytest.approx(node[figure], rel=1e-12), (by, figure)
    assert set(footprint(run, "k8s:namespace")) == {"payments", "search", "(unallocated)"}
    assert set(footprint(run, "k8s:cluster")) == {"prod"}  # the node's own tag names the cluster of its rest
    assert set(footprint(run, "tag:aws:eks:workload-name")) == {"api", "worker", "indexer", None}
    with duckdb.connect(str(db), read_only=True) as con:
        hours, kinds = con.execute("SELECT sum(x_instance_hours), list(DISTINCT x_usage_kind) FROM usage").fetchall()[0]
    assert hours == pytest.approx(1.0) and kinds == ["compute"]  # the pods' own lines add no usage


def test_without_ratios_the_instance_type_gives_the_capacity(run, tmp_path):
    """Daily or trimmed exports lack split_line_item_split_usage_ratio: m5.xlarge's 4 vCPUs and 16 GiB stand in."""
    run("ingest", "aws", str(write_cur2(tmp_path / "split.csv", node_hour(ratios=False))))
    pods = footprint(run, "k8s:pod")
    total = sum(r["energy_kwh"] for r in pods.values())
    assert pods["search/indexer-0"]["energy_kwh"] / total == pytest.approx(expected_share(0.5, 2.0), rel=1e-9)


def test_pods_asking_more_than_the_node_has_share_all_of_it(run, tmp_path):
    crowded = {f"p{n}": ("batch", 2.0, 4.0, "job") for n in range(3)}  # 6 vCPUs asked of 4
    run("ingest", "aws", str(write_cur2(tmp_path / "crowded.csv", node_hour(crowded))))
    pods = footprint(run, "k8s:pod")
    assert pods["(unallocated)"]["energy_kwh"] == pytest.approx(0, abs=1e-15)
    assert [pods[f"batch/p{n}"]["cost"] for n in range(3)] == pytest.approx([0.064] * 3)


def test_reingest_and_a_copied_export_change_nothing(run, db, tmp_path):
    """Copies of the node and pod lines (an export delivered twice) are kept once; re-ingesting replaces."""
    path = write_cur2(tmp_path / "split.csv", node_hour() + node_hour(start="11"))
    run("ingest", "aws", str(path))
    first = footprint(run, "k8s:pod")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    result = run("ingest", "aws", str(path), str(copy))
    assert "duplicate line(s) dropped" in result.stderr
    again = footprint(run, "k8s:pod")
    assert {k: v["total_kgco2e"] for k, v in again.items()} == pytest.approx(
        {k: v["total_kgco2e"] for k, v in first.items()}, rel=1e-12)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM usage").fetchall()[0][0] == 2 * (len(PODS) + 1)


def test_an_export_without_split_columns_is_unchanged(run, db, tmp_path):
    plain = [c for c in COLUMNS if not c.startswith("split_")]
    run("ingest", "aws", str(write_cur2(tmp_path / "plain.csv", node_hour()[:1], plain)))
    assert set(footprint(run, "k8s:pod")) == {None}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT tags FROM usage").fetchall() == [(CLUSTER_TAGS,)]


def test_a_bad_split_value_is_named_by_row_and_column(run, tmp_path):
    lines = node_hour()
    lines[2][0]["split_line_item_split_usage_ratio"] = "a quarter"
    result = run("ingest", "aws", str(write_cur2(tmp_path / "bad.csv", lines)), expect=1)
    assert "data row 3, column split_line_item_split_usage_ratio: 'a quarter' is not a number" in result.stderr
