"""`footprint --by k8s:cluster|k8s:namespace|k8s:pod`: Kubernetes groupings of allocated usage (issue 13)."""

from __future__ import annotations

import json

import pytest
from test_focus_versions import ALLOCATION, split_node_hour, usage, write


def grouped(run, by: str) -> dict[str | None, dict]:
    return {row[by]: row for row in json.loads(run("footprint", "--by", by, "--format", "json").stdout)["rows"]}


def test_pods_namespaces_and_clusters_add_up_to_the_node(run, tmp_path):
    """A FOCUS 1.3 node-hour split into two pods and its unused capacity: each grouping sums to the node."""
    run("ingest", "focus", str(write(tmp_path / "split.csv", "1.3", split_node_hour(), tuple(ALLOCATION))))
    node = json.loads(run("footprint", "--by", "provider", "--format", "json").stdout)["rows"][0]
    pods = grouped(run, "k8s:pod")
    assert set(pods) == {"payments/api-7d9f", "search/indexer-0", "(unallocated)"}
    shares = [pods[p]["energy_kwh"] / node["energy_kwh"] for p in ("payments/api-7d9f", "search/indexer-0",
                                                                   "(unallocated)")]
    assert shares == pytest.approx([0.5, 0.25, 0.25])
    namespaces = grouped(run, "k8s:namespace")
    assert set(namespaces) == {"payments", "search", "(unallocated)"}
    clusters = grouped(run, "k8s:cluster")
    assert set(clusters) == {"prod", None}  # FOCUS gives the unused rest no AllocatedTags: its cluster is unknown
    for groups in (pods, namespaces, clusters):
        assert sum(r["total_kgco2e"] for r in groups.values()) == pytest.approx(node["total_kgco2e"], rel=1e-12)
        assert sum(r["cost"] for r in groups.values()) == pytest.approx(node["cost"], rel=1e-12)
    # The stored figures and those computed from usage agree (a utilisation equal to the default forces the latter).
    computed = {r["k8s:namespace"]: r for r in json.loads(run(
        "footprint", "--by", "k8s:namespace", "--gpu-utilization", "0.5", "--format", "json").stdout)["rows"]}
    assert {k: v["energy_kwh"] for k, v in computed.items()} == pytest.approx(
        {k: v["energy_kwh"] for k, v in namespaces.items()}, rel=1e-12)


def test_usage_outside_kubernetes_groups_as_null_and_labels_of_other_spellings_count(run, tmp_path):
    rows = [usage(Tags={"k8s.namespace.name": "checkout", "k8s.cluster.name": "edge"}), usage(ResourceId="i-plain")]
    run("ingest", "focus", str(write(tmp_path / "otel.csv", "1.3", rows)))
    namespaces = grouped(run, "k8s:namespace")
    clusters = grouped(run, "k8s:cluster")
    assert set(namespaces) == {"checkout", None} and set(clusters) == {"edge", None}
    assert "k8s:namespace" in run("footprint", "--by", "colour", expect=2).stderr  # listed among the choices
