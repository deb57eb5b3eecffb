"""The groupings of `footprint --by`: each name and the usage expression it groups on. Without pandas or the
estimation code, so the stored footprint (stored_footprint.py) and the commands share one list."""

from __future__ import annotations

from cloudcarbon.errors import UsageError, shown

# --by names -> the usage expression they group on.
GROUP_KEYS = {
    "month": "strftime(charge_period_start, '%Y-%m')",
    "provider": "provider_name",
    "account": "sub_account_id",
    "region": "region_id",
    "service": "service_name",
    "instance_type": "x_instance_type",
    "usage_kind": "x_usage_kind",
    "resource": "resource_id",
    # Whether telemetry measured the row (ingest telemetry) or the model estimated it.
    "basis": "CASE WHEN x_measured IS NULL THEN 'modelled' ELSE 'measured' END",
}
DEFAULT_BY = ("month", "service")

# Kubernetes labels as the sources spell them: the EKS/ECS split cost allocation tags (FOCUS AllocatedTags, CUR 2.0
# resource tags, raw or normalised), OpenTelemetry's resource attributes, plain labels. A row that a provider
# allocated to no pod (FOCUS 1.3 AllocatedResourceId empty: the node's unused capacity) groups as (unallocated).
# ECS split allocation groups its tasks by cluster and service the same way; OpenCost shares (`ingest opencost`)
# write the OpenTelemetry names; GKE and AKS label their nodes' billing rows with the cluster.
K8S_LABELS = {
    "cluster": ("aws:eks:cluster-name", "aws_eks_cluster_name", "aws:ecs:clusterName", "aws_ecs_cluster_name",
                "k8s.cluster.name", "goog-k8s-cluster-name", "aks-managed-cluster-name", "cluster_name", "cluster"),
    "namespace": ("aws:eks:namespace", "aws_eks_namespace", "k8s.namespace.name", "namespace"),
    "workload": ("aws:eks:workload-name", "aws_eks_workload_name", "aws:ecs:serviceName", "aws_ecs_service_name",
                 "k8s.workload.name", "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name",
                 "workload"),
    "pod": ("x_AllocatedResourceName", "k8s.pod.name", "pod_name", "pod"),
}


def _k8s(label: str) -> str:
    found = ", ".join(f"tags['{key}']" for key in K8S_LABELS[label])
    # Unallocated capacity belongs to no namespace or pod; its cluster shows where the node's tags name it.
    unallocated = "" if label == "cluster" else (
        "WHEN tags['x_AllocatedResourceId'] = 'unallocated' THEN '(unallocated)' ")
    return f"CASE {unallocated}WHEN cardinality(tags) > 0 THEN coalesce({found}) END"


GROUP_KEYS.update({f"k8s:{label}": _k8s(label) for label in K8S_LABELS})


def parse_by(by: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """`month,service,tag:team` -> validated keys (tag:KEY for any tag)."""
    if by is None:
        return list(DEFAULT_BY)
    items = by.split(",") if isinstance(by, str) else list(by)
    keys = list(dict.fromkeys(item.strip() for item in items if item.strip()))  # a key asked twice is one column
    for key in keys:
        if key not in GROUP_KEYS and not (key.startswith("tag:") and len(key) > 4 and key.isprintable()):
            choices = ", ".join([*GROUP_KEYS, "tag:KEY"])
            raise UsageError(f"--by {shown(key)} is not a grouping; choose from {choices}")
    return keys
