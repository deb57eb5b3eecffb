"""Recognise an OpenCost/Kubecost allocation export and rename it into one relation, `opencost_src`.

Two shapes: the /allocation API's JSON response (`{"code": 200, "data": [{NAME: allocation, ...}, ...]}`, one map
of allocations per step; OpenCost and Kubecost answer alike), and the same allocations flattened into columns
(`properties.node`, `window.start`, `cpuCoreHours`: pandas' json_normalize, as the OpenCost parquet exporter writes
them), as CSV or Parquet. Column names match case-insensitively. OpenCost's own daily CSV export names no node, so
its shares cannot be joined to node usage: it is refused with what to export instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.errors import InputError
from cloudcarbon.queries import quote_identifier

CSV_OPTIONS = ("header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', null_padding = true, "
               "union_by_name = true")
# opencost_src column -> the spellings of the flattened export, first found wins; the API's JSON path.
COLUMNS = {
    "name": (("name",), "$.name"),
    "cluster": (("properties.cluster", "cluster"), "$.properties.cluster"),
    "node": (("properties.node", "node"), "$.properties.node"),
    "provider_id": (("properties.providerID", "providerID"), "$.properties.providerID"),
    "namespace": (("properties.namespace", "namespace"), "$.properties.namespace"),
    "pod": (("properties.pod", "pod"), "$.properties.pod"),
    "container": (("properties.container", "container"), "$.properties.container"),
    "controller": (("properties.controller", "controller", "ControllerName"), "$.properties.controller"),
    "controller_kind": (("properties.controllerKind", "controllerKind"), "$.properties.controllerKind"),
    # When it ran within the step (the parquet exporter renames start/end running_start_time/running_end_time).
    "start_time": (("start", "running_start_time", "window.start"), "$.start"),
    "end_time": (("end", "running_end_time", "window.end"), "$.end"),
    "cpu_core_hours": (("cpuCoreHours",), "$.cpuCoreHours"),
    "cpu_request": (("cpuCoreRequestAverage",), "$.cpuCoreRequestAverage"),
    "cpu_usage": (("cpuCoreUsageAverage",), "$.cpuCoreUsageAverage"),
    "ram_byte_hours": (("ramByteHours",), "$.ramByteHours"),
    "ram_request": (("ramByteRequestAverage", "RAMBytesRequestAverage"), "$.ramByteRequestAverage"),
    "ram_usage": (("ramByteUsageAverage", "RAMBytesUsageAverage"), "$.ramByteUsageAverage"),
    "gpu_hours": (("gpuHours",), "$.gpuHours"),
}
# What a flattened file must have: a node to join, a time, and the CPU and RAM allocated.
NEEDED = {"a node (properties.node or properties.providerID)": ("node", "provider_id"),
          "a start (start or window.start)": ("start_time",), "an end (end or window.end)": ("end_time",),
          "CPU (cpuCoreHours or cpuCoreRequestAverage)": ("cpu_core_hours", "cpu_request"),
          "RAM (ramByteHours or ramByteRequestAverage)": ("ram_byte_hours", "ram_request")}
CHECKED = {"start_time": "TIMESTAMPTZ", "end_time": "TIMESTAMPTZ", "cpu_core_hours": "DOUBLE",
           "cpu_request": "DOUBLE", "cpu_usage": "DOUBLE", "ram_byte_hours": "DOUBLE", "ram_request": "DOUBLE",
           "ram_usage": "DOUBLE", "gpu_hours": "DOUBLE"}
# Why an allocation is left out (SQL over opencost_src; NULL: kept). Idle is the node's capacity no pod was
# allocated: cloudcarbon computes each node's unallocated rest from its usage, so OpenCost's would count it twice.
DROPPED_AS = """CASE
    WHEN contains(coalesce(name, ''), '__idle__') OR coalesce(pod, '') = '__idle__'
        THEN 'idle allocation(s) (the node''s unallocated rest is computed from its usage)'
    WHEN contains(coalesce(name, ''), '__unmounted__') THEN 'unmounted volume allocation(s) (on no node)'
    WHEN nullif(trim(coalesce(node, '')), '') IS NULL AND nullif(trim(coalesce(provider_id, '')), '') IS NULL
        THEN 'allocation(s) naming no node (query /allocation without aggregate, or with node in it)'
    WHEN TRY_CAST(end_time AS TIMESTAMPTZ) <= TRY_CAST(start_time AS TIMESTAMPTZ)
        THEN 'allocation(s) with no running time (end not after start)'
END"""


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # json | csv | parquet
    columns: dict[str, str]  # source column name -> DuckDB type (empty for JSON)

    @property
    def format(self) -> str:
        return f"opencost-{self.container}"

    def spelled(self, column: str) -> str | None:
        """The file's spelling of an opencost_src column (JSON: its path)."""
        names, path = COLUMNS.get(column, ((), ""))
        if self.container == "json":
            return path or None
        lowered = {c.lower(): c for c in self.columns}
        return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def container_of(file: str) -> str:
    lowered = file.lower()
    if lowered.endswith(".parquet"):
        return "parquet"
    return "json" if lowered.endswith((".json", ".json.gz")) else "csv"


def _reader(container: str, files: str) -> str:
    if container == "json":
        return f"read_json_objects({files}, filename = true)"
    if container == "parquet":
        return f"read_parquet({files}, union_by_name = true, filename = true)"
    return f"read_csv({files}, {CSV_OPTIONS}, filename = true)"


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Which shape a file is; refuses anything that is not an allocation export with nodes."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; export the allocations again")
    container = container_of(file)
    if container == "json":
        try:
            keys = con.execute("SELECT json_keys(json) FROM read_json_objects($file) LIMIT 1",
                               {"file": file}).fetchall()
        except duckdb.Error as error:
            raise InputError(f"{file}: {explain_read_error(error, 'json')}") from None
        if not keys or "data" not in (keys[0][0] or []):
            raise InputError(f"{file}: has no \"data\", so it is not an OpenCost/Kubecost /allocation response; save "
                             "the JSON of `curl -G http://OPENCOST:9003/allocation -d window=... -d step=1h`")
        return Detected(file, container, {})
    reader = ("read_parquet($file)" if container == "parquet"
              else f"read_csv($file, {CSV_OPTIONS}, sample_size = 1)")
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, container)}") from None
    detected = Detected(file, container, {name.lstrip("\ufeff"): kind for name, kind, *_ in rows})
    missing = [what for what, columns in NEEDED.items() if not any(detected.spelled(c) for c in columns)]
    if len(missing) == len(NEEDED):
        raise InputError(f"{file}: has none of the allocation columns (properties.node, start, cpuCoreHours, "
                         "ramByteHours), so it is not an OpenCost/Kubecost allocation export")
    if missing:
        hint = ("OpenCost's daily CSV export names no node; " if detected.spelled("pod") and missing[0].startswith(
            "a node") else "")
        raise InputError(f"{file}: lacks {missing[0]}; {hint}export the /allocation API's JSON (or its allocations "
                         "flattened, e.g. by opencost-parquet-exporter) with the node of each allocation")
    return detected


def _labels(detected: Detected) -> str:
    """Pod labels as MAP(VARCHAR, VARCHAR): the API's properties.labels object, or flattened properties.labels.KEY
    columns."""
    if detected.container == "json":
        return "TRY_CAST(json_extract(a, '$.properties.labels') AS MAP(VARCHAR, VARCHAR))"
    prefix = "properties.labels."
    entries = [f"{{'key': '{c[len(prefix):].replace(chr(39), chr(39) * 2)}', 'value': CAST({quote_identifier(c)} AS "
               "VARCHAR)}" for c in detected.columns if c.lower().startswith(prefix)]
    if not entries:
        return "NULL::MAP(VARCHAR, VARCHAR)"
    return f"map_from_entries(list_filter([{', '.join(entries)}], lambda e: coalesce(e.value, '') <> ''))"


def source_select(detected: list[Detected]) -> str:
    """SELECT producing `opencost_src` over $files for files of one container."""
    container = detected[0].container
    if container == "json":
        select = [f"json_extract_string(a, '{path}') AS {name}" for name, (_, path) in COLUMNS.items()]
        # The step's window stands in for the running times where an allocation gives none.
        select[list(COLUMNS).index("start_time")] = \
            "coalesce(json_extract_string(a, '$.start'), json_extract_string(a, '$.window.start')) AS start_time"
        select[list(COLUMNS).index("end_time")] = \
            "coalesce(json_extract_string(a, '$.end'), json_extract_string(a, '$.window.end')) AS end_time"
        select += [f"{_labels(detected[0])} AS labels", "hash(CAST(a AS VARCHAR)) AS row_fingerprint",
                   "filename AS source_file"]
        steps = f"SELECT unnest(json_extract(json, '$.data[*].*')) AS a, filename FROM {_reader(container, '$files')}"
        return f"SELECT {', '.join(select)} FROM ({steps})"
    union: dict[str, str] = {}
    for item in detected:
        union.update(item.columns)
    merged = Detected(detected[0].file, container, union)
    select = []
    for name in COLUMNS:
        spelled = merged.spelled(name)
        select.append(f"CAST({quote_identifier(spelled)} AS VARCHAR) AS {name}" if spelled else f"NULL AS {name}")
    select += [f"{_labels(merged)} AS labels", "hash(*COLUMNS(* EXCLUDE (filename))) AS row_fingerprint",
               "filename AS source_file"]
    return f"SELECT {', '.join(select)} FROM {_reader(container, '$files')}"
