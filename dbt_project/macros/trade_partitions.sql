{#- Incremental trade models. The figures of one source and one reporter are a partition: the
    models of partitioned_by_reporter() (int_trade_flows_versioned, int_trade_turnover_computed,
    partner_shares, trade_growth) compute every row from its own partition only (their windows,
    totals and ranks never look across reporters), so a build recomputes only the partitions whose
    loads changed and keeps the other rows as they are.

    What changed: model int_trade_partitions gives each partition a signature of its loads (file,
    load time, whether the load is current); table audit.dbt_partitions records, per model, the
    signature each partition was last built from. A partition whose signature differs, is new or is
    gone is deleted from the model (pre-hook) and recomputed (the model's SQL filters on
    in_changed_partitions()); the post-hooks then record the new signatures, in the same
    transaction as the model. A partition is named by a hash of (source, reporter): two partitions
    that share a hash are always recomputed together, so a collision costs time, never a result.

    Only on DuckDB; on Spark these models are tables rebuilt whole. `dbt build --full-refresh`
    rebuilds them whole, and Corridor passes it when the dbt project changed since the build file's
    last dbt build (orchestration/lib/dbt.py). -#}

{#- The staging models of the trade sources, in the order of int_trade_flows_versioned's union. -#}
{% macro trade_staging_models() -%}
    {{ return(['stg_imf_dots__trade_flows', 'stg_comtrade__trade_flows', 'stg_imf_sdmx__trade_flows',
               'stg_imf_imts__trade_flows', 'stg_comtrade_matrix__trade_flows']) }}
{%- endmacro %}

{% macro partition_id(alias=none) -%}
    {{ key_hash(['source', 'reporter_iso3'], alias) }}
{%- endmacro %}

{#- The config of a model partitioned by source and reporter: {{ config(**partitioned_by_reporter()) }} -#}
{% macro partitioned_by_reporter() -%}
    {{ return({
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'append',
        'pre_hook': ["{{ delete_changed_partitions() }}"],
        'post_hook': ["{{ forget_changed_partitions() }}", "{{ record_changed_partitions() }}"],
    }) }}
{%- endmacro %}

{#- The partitions this model must recompute (a subquery of partition ids). -#}
{% macro changed_partitions() -%}
    (
        select p.partition_id
        from {{ ref('int_trade_partitions') }} p
        where not exists (
            select 1 from audit.dbt_partitions s
            where s.model = '{{ this.identifier }}' and s.partition_id = p.partition_id and s.signature = p.signature
        )
        union
        select s.partition_id
        from audit.dbt_partitions s
        where s.model = '{{ this.identifier }}'
          and not exists (select 1 from {{ ref('int_trade_partitions') }} p where p.partition_id = s.partition_id)
    )
{%- endmacro %}

{#- In a model's SQL: keep the rows of changed partitions (every row when the model is built whole). -#}
{% macro in_changed_partitions(alias=none) -%}
    {%- if is_incremental() -%}
        {{ partition_id(alias) }} in {{ changed_partitions() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_changed_partitions() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ partition_id() }} in {{ changed_partitions() }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hooks. After the model's first build is_incremental() is true as well (the table exists
    now); its partitions then all count as changed, since none is recorded yet. -#}
{% macro forget_changed_partitions() -%}
    {%- if target.type == 'duckdb' -%}
        delete from audit.dbt_partitions where model = '{{ this.identifier }}'
        {%- if is_incremental() %} and partition_id in {{ changed_partitions() }}{% endif %}
    {%- endif -%}
{%- endmacro %}

{% macro record_changed_partitions() -%}
    {%- if target.type == 'duckdb' -%}
        insert into audit.dbt_partitions
        select '{{ this.identifier }}', partition_id, signature, '{{ invocation_id }}', current_timestamp
        from {{ ref('int_trade_partitions') }}
        {%- if is_incremental() %} where partition_id in {{ changed_partitions() }}{% endif %}
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: the table of recorded signatures (DuckDB only; schema audit is the loader's). -#}
{% macro create_partition_state() -%}
    {%- if target.type == 'duckdb' -%}
        create table if not exists audit.dbt_partitions (
            model varchar not null,          -- the incremental model
            partition_id ubigint not null,   -- partition_id(): a hash of (source, reporter_iso3)
            signature ubigint not null,      -- int_trade_partitions.signature it was built from
            invocation_id varchar not null,  -- the dbt invocation that built it
            built_at timestamptz not null
        )
    {%- endif -%}
{%- endmacro %}
