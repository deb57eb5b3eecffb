-- Facts an on-premises inventory states about its servers (`cloudcarbon ingest onprem`), which cloud
-- rows take from the coefficient library instead. NULL on every cloud row.
-- x_pue: the facility PUE the inventory gives for the server's site.
ALTER TABLE usage ADD COLUMN x_pue DOUBLE;
-- x_server: the server as described (cpu_model as written, the microarchitecture it resolved to and how,
-- logical CPUs, memory, sockets, GPUs, local drives, and a stated manufacturing footprint if any).
ALTER TABLE usage ADD COLUMN x_server STRUCT(
    cpu_model VARCHAR, microarchitecture VARCHAR, cpu_match VARCHAR, vcpus INTEGER, memory_gib DOUBLE,
    sockets INTEGER, gpu_model VARCHAR, gpu_count INTEGER, ssds INTEGER, hdds INTEGER, embodied_kgco2e DOUBLE
);
