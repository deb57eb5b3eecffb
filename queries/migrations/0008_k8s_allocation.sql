-- Kubernetes allocation where the bill has no split data (GKE, AKS, self-managed clusters): `cloudcarbon ingest
-- opencost` stores an OpenCost/Kubecost allocation export in `k8s_allocations` (one row per allocation: a
-- container or pod on a node over a time window, with its CPU core-hours and RAM GiB-hours, max of request and
-- use) and derives `k8s_shares` from it and the nodes' usage rows (connectors/opencost/shares.sql): per node usage
-- row (resource id and start) each pod's share and the unallocated rest, adding up to 1. The footprint splits those
-- rows by their shares (cloudcarbon/estimation.py), so pods and the rest add up to the node.
CREATE TABLE k8s_allocations (
    cluster               VARCHAR NOT NULL,
    node                  VARCHAR,            -- the node's name (Kubernetes), matched with the usage resource id
    provider_id           VARCHAR,            -- the node's spec.providerID: aws:///zone/i-..., gce://p/z/name, azure:///...
    namespace             VARCHAR,
    pod                   VARCHAR,
    container             VARCHAR,
    controller            VARCHAR,            -- the workload (deployment, statefulset, ...)
    controller_kind       VARCHAR,
    labels                MAP(VARCHAR, VARCHAR),
    window_start          TIMESTAMP NOT NULL, -- when it ran (UTC)
    window_end            TIMESTAMP NOT NULL,
    cpu_core_hours        DOUBLE NOT NULL,    -- allocated cores (max of request and use) x hours
    ram_gib_hours         DOUBLE NOT NULL,    -- allocated RAM (max of request and use), GiB x hours
    gpu_hours             DOUBLE,
    x_source_format       VARCHAR NOT NULL,   -- opencost-json | opencost-csv | opencost-parquet
    x_source_file         VARCHAR NOT NULL,
    x_ingest_id           VARCHAR NOT NULL
);

-- Per usage row of a node (resource_id, charge_period_start), the share of each pod (target cluster/namespace/pod)
-- and of the unused rest (target 'unallocated'), with the tags its rows take (k8s.* labels, x_Allocated*).
CREATE TABLE k8s_shares (
    resource_id           VARCHAR NOT NULL,
    charge_period_start   TIMESTAMP NOT NULL,
    target                VARCHAR NOT NULL,
    share                 DOUBLE NOT NULL,
    tags                  MAP(VARCHAR, VARCHAR) NOT NULL
);

-- One row per `ingest opencost`: what was read, and how many allocations matched no node usage when it ran.
CREATE TABLE k8s_ingests (
    ingest_id             VARCHAR PRIMARY KEY,
    started_at            TIMESTAMPTZ NOT NULL,
    source_format         VARCHAR NOT NULL,
    source_files          VARCHAR[] NOT NULL,
    allocations_read      BIGINT NOT NULL,
    allocations_kept      BIGINT NOT NULL,
    allocations_unmatched BIGINT NOT NULL,
    tool_version          VARCHAR NOT NULL
);
