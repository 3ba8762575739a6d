{#- Lineage is held once per file in audit.load_log (Corridor's loader); raw rows carry load_id.
    current_loads(): the loads whose rows the warehouse uses now (the one definition of "current").
    lineage_columns(alias): the per-file lineage of a row joined to audit.load_log as `alias`. -#}
{% macro current_loads() -%}
    (select load_id from {{ source('audit', 'load_log') }} where is_current)
{%- endmacro %}

{% macro lineage_columns(alias='lineage') -%}
    {{ alias }}.file as source_file,
    {{ alias }}.file_sha256,
    {{ alias }}.release,
    {{ alias }}.started_at as loaded_at,
    {{ alias }}.is_current as is_current_file_version
{%- endmacro %}

{#- The order of releases: 'base' (files at the top of a source folder) is the oldest, then the
    release sub-folders by name (name them by date: YYYY-MM or YYYY-MM-DD). The same rule as
    orchestration.lib.warehouse.release_order. -#}
{% macro release_sort_key(column) -%}
    case when {{ column }} = 'base' then '' else {{ column }} end
{%- endmacro %}
