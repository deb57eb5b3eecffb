"""`cloudcarbon ingest opencost` (issue 13): an OpenCost/Kubecost allocation export splits the usage of an AKS node
pool (Azure bills the scale set, not its instances) over its pods; pods, namespaces, clusters and the unallocated
rest add up to the node; allocations that match no node are kept, counted and named; re-ingesting replaces."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from azurefiles import SUBSCRIPTION, vm, write_export
from conftest import fingerprint, one_line_error

VMSS = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/MC_prod_aks-prod_eastus/providers/Microsoft.Compute/"
        "virtualMachineScaleSets/aks-nodepool1-12345678-vmss")
PLAIN_VM = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/web/providers/Microsoft.Compute/virtualMachines/web-1"
DAY = ("2025-10-05T00:00:00Z", "2025-10-06T00:00:00Z")
GIB = 2**30
# Two Standard_D4s_v5 instances (4 vCPU, 16 GiB) all day: the scale set's 48 instance-hours.
CAPACITY = 9 * 48 * 4 + 48 * 16
# pod -> namespace, node instance, CPU core-hours, RAM GiB-hours, running hours of the day
PODS = {
    "api-7d9f8-abcde": ("payments", 0, 24.0, 96.0, 24),
    "worker-5c6d7-fghij": ("payments", 1, 36.0, 48.0, 24),
    "indexer-0": ("search", 1, 6.0, 24.0, 12),
}


def billing(path: Path) -> Path:
    """A day of Azure usage: the AKS scale set (two instances) and a VM outside Kubernetes."""
    return write_export(path, [vm("Standard_D4s_v5", 48, ResourceId=VMSS, CostInBillingCurrency="9.216",
                                  Tags='{"aks-managed-cluster-name": "aks-prod"}'),
                               vm("Standard_D2s_v5", 24, ResourceId=PLAIN_VM, CostInBillingCurrency="2.304")])


def allocation(pod: str, namespace: str, instance: int, cores: float, gib: float, hours: int,
               node: str | None = None) -> dict[str, object]:
    node = node or f"aks-nodepool1-12345678-vmss00000{instance}"
    start = f"2025-10-05T{24 - hours:02d}:00:00Z" if hours < 24 else DAY[0]
    return {
        "name": f"aks-prod/{node}/{namespace}/{pod}/app",
        "properties": {"cluster": "aks-prod", "node": node, "namespace": namespace, "pod": pod, "container": "app",
                       "controller": pod.split("-")[0], "controllerKind": "deployment",
                       "providerID": f"azure://{VMSS}/virtualMachines/{instance}", "labels": {"team": namespace}},
        "window": {"start": DAY[0], "end": DAY[1]}, "start": start, "end": DAY[1], "minutes": hours * 60,
        "cpuCores": cores / hours, "cpuCoreRequestAverage": cores / hours, "cpuCoreUsageAverage": cores / hours / 2,
        "cpuCoreHours": cores, "ramBytes": gib * GIB / hours, "ramByteRequestAverage": gib * GIB / hours,
        "ramByteUsageAverage": gib * GIB / hours / 2, "ramByteHours": gib * GIB, "gpuHours": 0, "totalCost": 1.0,
    }


def api_response(path: Path, extra: list[dict[str, object]] = ()) -> Path:
    """The /allocation API's JSON: one step (the day), allocations by name, the idle one included."""
    allocations = [allocation(pod, *spec) for pod, spec in PODS.items()] + list(extra)
    idle = {"name": "aks-prod/__idle__", "properties": {"cluster": "aks-prod"}, "window": {"start": DAY[0],
            "end": DAY[1]}, "start": DAY[0], "end": DAY[1], "cpuCoreHours": 100, "ramByteHours": 400 * GIB}
    data = {a["name"]: a for a in [*allocations, idle]}
    path.write_text(json.dumps({"code": 200, "data": [data]}))
    return path


def flattened(path: Path) -> Path:
    """The same allocations flattened as json_normalize writes them (opencost-parquet-exporter), as CSV."""
    rows = []
    for pod, spec in PODS.items():
        a = allocation(pod, *spec)
        flat = {k: v for k, v in a.items() if not isinstance(v, dict)}
        flat |= {f"properties.{k}": v for k, v in a["properties"].items() if k != "labels"}
        flat |= {f"window.{k}": v for k, v in a["window"].items()}
        flat["properties.labels.team"] = a["properties"]["labels"]["team"]
        rows.append(flat)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def footprint(run, by: str) -> dict[object, dict]:
    return {r[by]: r for r in json.loads(run("footprint", "--by", by, "--format", "json").stdout)["rows"]}


def weight(cores: float, gib: float) -> float:
    return 9 * cores + gib


@pytest.mark.parametrize("shape", ["json", "csv"])
def test_pods_of_an_aks_node_pool_add_up_to_the_scale_set(run, db, tmp_path, shape):
    run("ingest", "azure", str(billing(tmp_path / "azure.csv")))
    before = footprint(run, "resource")
    export = api_response(tmp_path / "allocation.json") if shape == "json" else flattened(tmp_path / "alloc.csv")
    result = run("ingest", "opencost", str(export))
    assert "1 node usage row(s) split over pods" in result.stderr
    if shape == "json":
        assert "1 idle allocation(s)" in result.stderr
    node = before[VMSS]
    pods = footprint(run, "k8s:pod")
    assert set(pods) == {"payments/api-7d9f8-abcde", "payments/worker-5c6d7-fghij", "search/indexer-0",
                         "(unallocated)", None}
    for pod, (namespace, _, cores, gib, _) in PODS.items():
        share = weight(cores, gib) / CAPACITY
        assert pods[f"{namespace}/{pod}"]["energy_kwh"] == pytest.approx(node["energy_kwh"] * share, rel=1e-9)
        assert pods[f"{namespace}/{pod}"]["cost"] == pytest.approx(9.216 * share, rel=1e-9)
    rest = 1 - sum(weight(c, g) for _, _, c, g, _ in PODS.values()) / CAPACITY
    assert pods["(unallocated)"]["total_kgco2e"] == pytest.approx(node["total_kgco2e"] * rest, rel=1e-9)
    assert pods[None]["total_kgco2e"] == pytest.approx(before[PLAIN_VM]["total_kgco2e"], rel=1e-12)  # not Kubernetes
    for by in ("k8s:pod", "k8s:namespace", "k8s:cluster", "k8s:workload", "resource", "tag:team"):
        groups = footprint(run, by)
        for figure in ("energy_kwh", "total_kgco2e", "vcpu_hours", "cost"):
            assert sum(r[figure] for r in groups.values()) == pytest.approx(
                sum(r[figure] for r in before.values()), rel=1e-12), (by, figure)
    assert footprint(run, "resource")[VMSS]["total_kgco2e"] == pytest.approx(node["total_kgco2e"], rel=1e-12)
    assert set(footprint(run, "k8s:namespace")) == {"payments", "search", "(unallocated)", None}
    assert set(footprint(run, "k8s:cluster")) == {"aks-prod", None}
    # Computed from usage (other assumptions) and stored figures agree.
    computed = {r["k8s:pod"]: r for r in json.loads(run("footprint", "--by", "k8s:pod", "--gpu-utilization", "0.5",
                                                        "--format", "json").stdout)["rows"]}
    assert {k: v["energy_kwh"] for k, v in computed.items()} == pytest.approx(
        {k: v["energy_kwh"] for k, v in pods.items()}, rel=1e-12)


def test_reingesting_replaces_and_unmatched_allocations_are_named(run, db, tmp_path):
    run("ingest", "azure", str(billing(tmp_path / "azure.csv")))
    stray = allocation("batch-1", "jobs", 0, 5.0, 5.0, 24, node="gke-other-pool-1a2b3c4d-x7k2")
    stray["properties"]["providerID"] = "gce://other-project/europe-west1-b/gke-other-pool-1a2b3c4d-x7k2"
    path = api_response(tmp_path / "allocation.json", [stray])
    first = run("ingest", "opencost", str(path))
    assert ("1 allocation(s) on a node with no usage in the store at that time (ingest its billing export, then this "
            "again): gke-other-pool-1a2b3c4d-x7k2") in first.stderr
    once = footprint(run, "k8s:pod")
    run("ingest", "opencost", str(path))
    assert {k: v["total_kgco2e"] for k, v in footprint(run, "k8s:pod").items()} == pytest.approx(
        {k: v["total_kgco2e"] for k, v in once.items()}, rel=1e-12)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM k8s_allocations").fetchall()[0][0] == len(PODS) + 1
        assert con.execute("SELECT count(*), sum(share) FROM k8s_shares").fetchall()[0] == (
            len(PODS) + 1, pytest.approx(1.0))
        assert con.execute("SELECT list(allocations_unmatched) FROM k8s_ingests").fetchall()[0][0] == [1, 1]


def test_allocations_ingested_before_the_bill_apply_once_ingested_again(run, tmp_path):
    path = api_response(tmp_path / "allocation.json")
    early = run("ingest", "opencost", str(path))
    assert f"{len(PODS)} allocation(s) on a node with no usage in the store" in early.stderr
    run("ingest", "azure", str(billing(tmp_path / "azure.csv")))
    assert "(unallocated)" not in footprint(run, "k8s:pod")  # kept, not used until the shares are derived again
    run("ingest", "opencost", str(path))
    assert "(unallocated)" in footprint(run, "k8s:pod")


def test_a_node_the_bill_already_splits_is_not_split_again(run, tmp_path):
    """An EKS node with CUR split data: OpenCost's allocations on it are counted, not applied twice."""
    from test_split_allocation import NODE, node_hour, write_cur2

    run("ingest", "aws", str(write_cur2(tmp_path / "cur.csv", node_hour())))
    before = footprint(run, "k8s:pod")
    eks = allocation("api-7d9f8-abcde", "payments", 0, 0.5, 2.0, 1, node="ip-10-0-1-23.ec2.internal")
    eks["properties"]["providerID"] = f"aws:///us-east-1a/{NODE}"
    eks["start"], eks["end"] = "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z"
    eks["window"] = {"start": "2026-05-01T10:00:00Z", "end": "2026-05-01T11:00:00Z"}
    path = tmp_path / "eks.json"
    path.write_text(json.dumps({"code": 200, "data": [{eks["name"]: eks}]}))
    result = run("ingest", "opencost", str(path))
    assert "1 allocation(s) on a node the bill already splits over pods (not split again)" in result.stderr
    assert {k: v["energy_kwh"] for k, v in footprint(run, "k8s:pod").items()} == pytest.approx(
        {k: v["energy_kwh"] for k, v in before.items()}, rel=1e-12)


def test_opencosts_daily_csv_export_names_no_node_and_is_refused(run, db, tmp_path):
    run("ingest", "azure", str(billing(tmp_path / "azure.csv")))
    before = fingerprint(db)
    daily = tmp_path / "export.csv"
    daily.write_text("Date,Namespace,ControllerKind,ControllerName,Pod,Container,CPUCoreUsageAverage,"
                     "CPUCoreRequestAverage,RAMBytesUsageAverage,RAMBytesRequestAverage,TotalCost\n"
                     "2025-10-05,payments,deployment,api,api-7d9f8-abcde,app,0.5,1,1e9,2e9,1.2\n")
    line = one_line_error(run("ingest", "opencost", str(daily), expect=None), str(daily))
    assert "lacks a node" in line and "OpenCost's daily CSV export names no node" in line
    assert fingerprint(db) == before


@pytest.mark.parametrize("bad", ["foreign", "value"])
def test_bad_input_is_one_line_and_changes_nothing(run, db, tmp_path, bad):
    run("ingest", "azure", str(billing(tmp_path / "azure.csv")))
    before = fingerprint(db)
    if bad == "foreign":
        path = tmp_path / "prom.json"
        path.write_text(json.dumps({"status": "success", "result": []}) + "\n")
        expected = "not an OpenCost/Kubecost /allocation response"
    else:
        path = flattened(tmp_path / "alloc.csv")
        path.write_text(path.read_text().replace(",24.0,", ",twenty-four,", 1))
        expected = "data row 1, column cpuCoreHours: 'twenty-four' is not a number"
    assert expected in one_line_error(run("ingest", "opencost", str(path), expect=None), str(path))
    assert fingerprint(db) == before


def test_run_monthly_applies_an_opencost_source_to_the_store(tmp_path):
    """run-monthly stages usage; an allocation source runs on the store, after the bill, so its shares apply."""
    from click.testing import CliRunner

    from cloudcarbon.cli import cli

    bill, alloc = billing(tmp_path / "azure.csv"), api_response(tmp_path / "allocation.json")
    config = tmp_path / "cloudcarbon.toml"
    config.write_text(f'db = "store.duckdb"\n[report]\noutput = "reports/{{month}}"\n'
                      f'[[sources]]\ntype = "azure"\npaths = [{json.dumps(str(bill))}]\n'
                      f'[[sources]]\ntype = "opencost"\npaths = [{json.dumps(str(alloc))}]\n')
    result = CliRunner().invoke(cli, ["run-monthly", "--config", str(config), "--month", "2025-10"])
    assert result.exit_code == 0, result.output
    assert "1 node usage row(s) split over pods" in result.stderr
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM k8s_shares").fetchall()[0][0] == len(PODS) + 1


def test_a_gke_node_is_found_by_its_instance_name(run, tmp_path):
    """GCP bills an instance under its numeric id (resource.global_name); its name (resource.name) is the node's."""
    import gcpfiles

    node = "gke-prod-default-pool-1a2b3c4d-x7k2"
    resource = {"name": node, "global_name": "//compute.googleapis.com/projects/shop-prod/zones/us-central1-a/"
                                              "instances/4711"}
    labels = [{"key": "goog-k8s-cluster-name", "value": "prod-gke"}]
    core = gcpfiles.row(resource=resource, labels=labels)  # an hour of n2d-standard-4: 4 vCPU, 16 GiB
    ram = gcpfiles.row(resource=resource, labels=labels, cost=0.0581,
                       sku=gcpfiles.sku("N2D AMD Instance Ram running in Americas", "2C3D-4E5F-6071"),
                       usage=gcpfiles.usage(16 * GIB * 3600, "byte-seconds", "gibibyte hour"))
    run("ingest", "gcp", str(gcpfiles.write_csv(tmp_path / "billing.csv", [core, ram])))
    whole = footprint(run, "k8s:cluster")["prod-gke"]
    pod = allocation("checkout-0", "shop", 0, 1.0, 4.0, 1, node=node)
    pod["properties"].update(cluster="prod-gke", providerID=f"gce://shop-prod/us-central1-a/{node}")
    pod["start"] = pod["window"]["start"] = "2025-01-15T10:00:00Z"
    pod["end"] = pod["window"]["end"] = "2025-01-15T11:00:00Z"
    path = tmp_path / "gke.json"
    path.write_text(json.dumps({"code": 200, "data": [{pod["name"]: pod}]}))
    assert "1 node usage row(s) split over pods" in run("ingest", "opencost", str(path)).stderr
    pods = footprint(run, "k8s:pod")
    assert pods["shop/checkout-0"]["energy_kwh"] == pytest.approx(whole["energy_kwh"] * weight(1, 4) / 52, rel=1e-9)
    assert sum(r["energy_kwh"] for r in pods.values()) == pytest.approx(whole["energy_kwh"], rel=1e-12)
    assert set(footprint(run, "k8s:cluster")) == {"prod-gke"}  # the node's own label names its rest's cluster
