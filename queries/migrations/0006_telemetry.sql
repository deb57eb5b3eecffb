-- Measured utilisation, power and energy (`cloudcarbon ingest telemetry`), one row per measured series (a GPU,
-- an instance's metric, a container's counter) summarised over its time window. The footprint attaches each row
-- to the usage rows it describes (queries/usage_measured.sql) and uses it instead of the default assumptions.
CREATE TABLE telemetry (
    match_on              VARCHAR NOT NULL,   -- resource | host | tag:KEY: what match_value is compared with
    match_value           VARCHAR NOT NULL,   -- i-0abc..., a host name, a tag value
    series                VARCHAR NOT NULL,   -- which series of the file (GPU, label set, run id)
    window_start          TIMESTAMP NOT NULL, -- first sample (UTC)
    window_end            TIMESTAMP NOT NULL, -- last sample (UTC)
    cpu_utilization       DOUBLE,             -- mean of the samples, 0-1
    cpu_utilization_low   DOUBLE,             -- 10th percentile of the samples
    cpu_utilization_high  DOUBLE,             -- 90th percentile of the samples
    gpu_utilization       DOUBLE,
    gpu_utilization_low   DOUBLE,
    gpu_utilization_high  DOUBLE,
    gpu_power_w           DOUBLE,             -- mean board power per GPU, W
    gpu_power_w_low       DOUBLE,
    gpu_power_w_high      DOUBLE,
    energy_kwh            DOUBLE,             -- metered energy over the window (CodeCarbon, Kepler counters)
    samples               BIGINT NOT NULL,
    x_source_format       VARCHAR NOT NULL,   -- codecarbon-csv | nvidia-smi-csv | dcgm-prometheus | ...
    x_source_file         VARCHAR NOT NULL,
    x_ingest_id           VARCHAR NOT NULL
);

-- One row per telemetry ingest: what was read, and how many series matched no usage when it was ingested.
CREATE TABLE telemetry_ingests (
    ingest_id             VARCHAR PRIMARY KEY,
    started_at            TIMESTAMPTZ NOT NULL,
    source_format         VARCHAR NOT NULL,
    source_files          VARCHAR[] NOT NULL,
    samples_read          BIGINT NOT NULL,
    series_kept           BIGINT NOT NULL,
    series_unmatched      BIGINT NOT NULL,
    tool_version          VARCHAR NOT NULL
);
