-- On-premises inventory rows, typed, checked and resolved against the coefficient library.
-- Input relation `inventory_src`: x_file, x_row and the text columns of connectors/onprem/formats.py.
-- Resolves: location -> Electricity Maps zone (id or name), gpu_model -> accelerator model,
-- microarchitecture (a name or codename) or cpu_model (model number, whole words) -> microarchitecture.
-- `problem` is the first rule a row breaks, {column, value, text}; NULL when the row is usable.
WITH typed AS (
    SELECT s.*,
        CASE WHEN regexp_full_match(s.month, '[0-9]{4}-[0-9]{2}') THEN try_strptime(s.month, '%Y-%m') END AS month_ts,
        TRY_CAST(s.hours AS DOUBLE) AS n_hours,
        TRY_CAST(s.vcpus AS DOUBLE) AS n_vcpus,
        TRY_CAST(s.memory_gib AS DOUBLE) AS n_memory_gib,
        TRY_CAST(s.sockets AS DOUBLE) AS n_sockets,
        TRY_CAST(s.gpu_count AS DOUBLE) AS n_gpu_count,
        TRY_CAST(s.ssds AS DOUBLE) AS n_ssds,
        TRY_CAST(s.hdds AS DOUBLE) AS n_hdds,
        TRY_CAST(s.pue AS DOUBLE) AS n_pue,
        TRY_CAST(s.embodied_kgco2e AS DOUBLE) AS n_embodied,
        TRY_CAST(s.cost AS DOUBLE) AS n_cost
    FROM inventory_src s
),
zone_names AS (
    SELECT z.zone, z.name FROM coef_zones z SEMI JOIN coef_grid g ON g.provider = 'on-premises' AND g.region = z.zone
),
-- The words of a CPU name, normalised as coefficients/build_onprem.py cpu_tokens() does.
cpu_names AS (
    SELECT name, ' ' || trim(regexp_replace(regexp_replace(lower(name), '([0-9])v([0-9])', '\1 v\2', 'g'),
                                            '[^a-z0-9+-]+', ' ', 'g')) || ' ' AS words
    FROM (SELECT cpu_model AS name FROM typed UNION SELECT microarchitecture FROM typed) WHERE name IS NOT NULL
),
-- A model number beats a codename; the longest match wins ("E5-2670 v2" over "E5-2670").
cpu_matches AS (
    SELECT c.name, arg_max({'arch': m.microarchitecture, 'match': m.match, 'kind': m.kind, 'source': m.source},
                           (m.kind = 'model', length(m.match))) AS pick
    FROM cpu_names c JOIN coef_cpu_models m ON contains(c.words, ' ' || m.match || ' ')
    GROUP BY c.name
),
archs AS (SELECT microarchitecture FROM coef_cpu_power WHERE provider = 'on-premises' AND microarchitecture <> 'Unknown'),
resolved AS (
    SELECT t.*,
        CAST(t.month_ts AS DATE) AS month_start,
        datediff('hour', t.month_ts, t.month_ts + INTERVAL 1 MONTH) AS month_hours,
        coalesce(zid.zone, zname.zone) AS zone,
        gpu.model AS gpu_model_resolved,
        -- A stated microarchitecture first (by name, else by codename), then the CPU model's match.
        CASE WHEN t.microarchitecture IS NOT NULL THEN coalesce(arch.microarchitecture, march.pick.arch)
             WHEN cmatch.pick IS NOT NULL THEN cmatch.pick.arch ELSE 'Unknown' END AS microarchitecture_resolved,
        CASE WHEN t.microarchitecture IS NOT NULL THEN 'stated microarchitecture ' || t.microarchitecture
             WHEN cmatch.pick IS NOT NULL THEN 'cpu_model matched ' || cmatch.pick.kind || ' "' || cmatch.pick.match
                 || '" (' || cmatch.pick.source || ')'
        END AS cpu_match
    FROM typed t
    LEFT JOIN zone_names zid ON upper(zid.zone) = upper(t.location)
    LEFT JOIN zone_names zname ON lower(zname.name) = lower(t.location)
    LEFT JOIN coef_accelerators gpu
        ON lower(gpu.model) = lower(t.gpu_model) OR lower(gpu.model) = 'nvidia ' || lower(t.gpu_model)
    LEFT JOIN archs arch ON lower(arch.microarchitecture) = lower(t.microarchitecture)
    LEFT JOIN cpu_matches march ON march.name = t.microarchitecture
    LEFT JOIN cpu_matches cmatch ON cmatch.name = t.cpu_model
),
checked AS (
    SELECT r.*,
        CASE
            WHEN r.server IS NULL THEN {'column': 'server', 'value': NULL,
                'text': 'is empty; name each server (hostname or asset tag)'}
            WHEN r.month_ts IS NULL THEN {'column': 'month', 'value': r.month,
                'text': 'is not a month; write YYYY-MM, e.g. 2026-09'}
            -- Macros earliest_date(), latest_date(): the dates an ingest accepts (cloudcarbon/ingest.py).
            WHEN NOT r.month_start BETWEEN earliest_date() AND latest_date() THEN {'column': 'month', 'value': r.month,
                'text': 'is outside ' || strftime(earliest_date(), '%Y-%m-%d') || '..'
                    || strftime(latest_date(), '%Y-%m-%d') || ', the dates cloudcarbon accepts'}
            WHEN r.n_hours IS NULL OR NOT isfinite(r.n_hours) OR r.n_hours < 0 THEN {'column': 'hours', 'value': r.hours,
                'text': 'is not a number of hours (0 or more)'}
            WHEN r.n_hours > r.month_hours THEN {'column': 'hours', 'value': r.hours,
                'text': 'is more than the ' || r.month_hours || ' hours in ' || r.month || '; give powered-on hours in that month'}
            WHEN r.n_vcpus IS NULL OR r.n_vcpus < 1 OR r.n_vcpus <> floor(r.n_vcpus) OR r.n_vcpus > 100000 THEN
                {'column': 'vcpus', 'value': r.vcpus, 'text': 'is not a whole number of logical CPUs (hardware threads), 1 or more'}
            WHEN r.location IS NULL THEN {'column': 'location', 'value': NULL,
                'text': 'is empty; give the Electricity Maps zone (e.g. DE, FR, US-CAL-CISO)'}
            WHEN r.zone IS NULL THEN {'column': 'location', 'value': r.location,
                'text': 'is not an Electricity Maps zone id or name; list them with `cloudcarbon coefficients zones`'}
            WHEN r.microarchitecture IS NOT NULL AND r.microarchitecture_resolved IS NULL THEN
                {'column': 'microarchitecture', 'value': r.microarchitecture,
                 'text': 'is not a known microarchitecture; use one of ' || (SELECT string_agg(microarchitecture, ', '
                         ORDER BY microarchitecture) FROM archs) || ', or leave it empty and give cpu_model'}
            WHEN r.memory_gib IS NOT NULL AND (r.n_memory_gib IS NULL OR NOT isfinite(r.n_memory_gib)
                                               OR r.n_memory_gib < 0 OR r.n_memory_gib > 1e6) THEN
                {'column': 'memory_gib', 'value': r.memory_gib, 'text': 'is not a memory size in GiB (0 or more)'}
            WHEN r.sockets IS NOT NULL AND (r.n_sockets IS NULL OR r.n_sockets < 1 OR r.n_sockets > 64
                                            OR r.n_sockets <> floor(r.n_sockets)) THEN
                {'column': 'sockets', 'value': r.sockets, 'text': 'is not a whole number of CPU sockets, 1 or more'}
            WHEN r.gpu_count IS NOT NULL AND (r.n_gpu_count IS NULL OR r.n_gpu_count < 0 OR r.n_gpu_count > 1024
                                              OR r.n_gpu_count <> floor(r.n_gpu_count)) THEN
                {'column': 'gpu_count', 'value': r.gpu_count, 'text': 'is not a whole number of GPUs (0 or more)'}
            WHEN coalesce(r.n_gpu_count, 0) > 0 AND r.gpu_model IS NULL THEN {'column': 'gpu_model', 'value': NULL,
                'text': 'is empty, but gpu_count is ' || r.gpu_count || '; name the GPU model, e.g. NVIDIA A100 80GB'}
            WHEN r.gpu_model IS NOT NULL AND r.gpu_model_resolved IS NULL THEN {'column': 'gpu_model', 'value': r.gpu_model,
                'text': 'is not in the accelerator table; closest: ' || (
                    SELECT string_agg(model, ', ' ORDER BY jaro_winkler_similarity(lower(model), lower(r.gpu_model)) DESC)
                    FROM (SELECT model FROM coef_accelerators
                          ORDER BY jaro_winkler_similarity(lower(model), lower(r.gpu_model)) DESC LIMIT 3))}
            WHEN r.gpu_model IS NOT NULL AND r.gpu_count IS NULL THEN {'column': 'gpu_count', 'value': NULL,
                'text': 'is empty, but gpu_model is ' || r.gpu_model || '; give the number of GPUs in the server'}
            WHEN r.ssds IS NOT NULL AND (r.n_ssds IS NULL OR r.n_ssds < 0 OR r.n_ssds > 1024 OR r.n_ssds <> floor(r.n_ssds))
                THEN {'column': 'ssds', 'value': r.ssds, 'text': 'is not a whole number of SSDs (0 or more)'}
            WHEN r.hdds IS NOT NULL AND (r.n_hdds IS NULL OR r.n_hdds < 0 OR r.n_hdds > 1024 OR r.n_hdds <> floor(r.n_hdds))
                THEN {'column': 'hdds', 'value': r.hdds, 'text': 'is not a whole number of hard disks (0 or more)'}
            WHEN r.pue IS NOT NULL AND (r.n_pue IS NULL OR NOT r.n_pue BETWEEN 1 AND 4) THEN {'column': 'pue',
                'value': r.pue, 'text': 'is not a PUE between 1.0 and 4.0; leave it empty for the survey average'}
            WHEN r.embodied_kgco2e IS NOT NULL AND (r.n_embodied IS NULL OR NOT isfinite(r.n_embodied)
                                                    OR r.n_embodied < 0 OR r.n_embodied > 1e7) THEN
                {'column': 'embodied_kgco2e', 'value': r.embodied_kgco2e,
                 'text': 'is not a manufacturing footprint in kgCO2e (0 or more)'}
            WHEN r.cost IS NOT NULL AND (r.n_cost IS NULL OR NOT isfinite(r.n_cost) OR abs(r.n_cost) > 1e12) THEN
                {'column': 'cost', 'value': r.cost, 'text': 'is not an amount'}
            WHEN r.cost IS NOT NULL AND r.currency IS NULL THEN {'column': 'currency', 'value': NULL,
                'text': 'is empty, but the row has a cost; give its ISO 4217 code, e.g. USD'}
            WHEN r.currency IS NOT NULL AND NOT regexp_full_match(r.currency, '[A-Za-z]{3}') THEN
                {'column': 'currency', 'value': r.currency, 'text': 'is not an ISO 4217 currency code, e.g. USD or EUR'}
        END AS problem
    FROM resolved r
)
SELECT c.* EXCLUDE (problem),
    -- One row per server and month: a second one would count the server twice.
    CASE WHEN c.problem IS NULL AND row_number() OVER same_server > 1 THEN
        {'column': 'server', 'value': c.server,
         'text': 'appears more than once for ' || c.month || ' (first at row ' || min({'f': c.x_file, 'r': c.x_row})
             OVER same_server .r || ' of ' || min({'f': c.x_file, 'r': c.x_row}) OVER same_server .f
             || '); give one row per server and month'}
        ELSE c.problem END AS problem
FROM checked c
WINDOW same_server AS (PARTITION BY c.server, c.month_start ORDER BY c.x_file, c.x_row)
