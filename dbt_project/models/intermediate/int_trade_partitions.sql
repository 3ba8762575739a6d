{{ config(materialized='table') }}
-- One row per partition of the trade figures (a source and a reporter, named by a hash of the two:
-- macro partition_id; two partitions may share the hash) with a signature of its loads: every file load that delivered its figures,
-- when, and whether the load is current. The incremental trade models recompute a partition when
-- its signature differs from the one they were last built from (macros/trade_partitions.sql).
with loads as (
    {%- for model in trade_staging_models() %}
    select source, reporter_iso3, source_file, loaded_at, is_current_file_version
    from {{ ref(model) }}
    group by source, reporter_iso3, source_file, loaded_at, is_current_file_version
    {% if not loop.last %}union{% endif %}
    {%- endfor %}
)

select
    source,
    reporter_iso3,
    {{ partition_id() }} as partition_id,
    bit_xor({{ key_hash(['source_file', 'loaded_at', 'is_current_file_version']) }}) as signature,
    count(*) as loads
from loads
group by source, reporter_iso3
