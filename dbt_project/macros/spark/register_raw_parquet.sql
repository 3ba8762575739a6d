{#- on-run-start: on Spark, the sources of schema raw are external tables over the Parquet raw
    layer (orchestration/lib/parquet_export.py): <raw_parquet>/<table>/[source=…/year=…/]*.parquet.
    On DuckDB the raw tables are in the warehouse file already, and this does nothing. -#}
{% macro register_raw_parquet() -%}
    {{ return(adapter.dispatch('register_raw_parquet', 'corridor')()) }}
{%- endmacro %}

{% macro default__register_raw_parquet() -%}
{%- endmacro %}

{% macro spark__register_raw_parquet() -%}
    {%- if execute -%}
        {%- set root = var('raw_parquet') | trim -%}
        {%- if not root -%}
            {{ exceptions.raise_compiler_error("CORRIDOR_RAW_PARQUET is not set: the spark target reads raw.* from the Parquet raw layer (corridor export-parquet DIR)") }}
        {%- endif -%}
        {%- if not (root.startswith('/') or '://' in root) -%}
            {{ exceptions.raise_compiler_error("CORRIDOR_RAW_PARQUET=" ~ root ~ ": give an absolute path or a URI (s3a://, abfss://, gs://, hdfs://)") }}
        {%- endif -%}
        {%- set tables = [] -%}
        {%- for node in graph.sources.values() if node.schema == 'raw' and node.name not in tables -%}
            {%- do tables.append(node.name) -%}
        {%- endfor -%}
        {% do run_query('create database if not exists raw') %}
        {%- for table in tables -%}
            {%- set location = root.rstrip('/') ~ '/' ~ table -%}
            {% do run_query('drop table if exists raw.' ~ table) %}
            {% do run_query("create table raw." ~ table ~ " using parquet location '" ~ location ~ "'") %}
            {%- set described = run_query('describe table raw.' ~ table) -%}
            {%- if '# Partition Information' in described.columns[0].values() -%}
                {% do run_query('alter table raw.' ~ table ~ ' recover partitions') %}
            {%- endif -%}
        {%- endfor -%}
        {{ log('registered ' ~ tables | length ~ ' raw tables over ' ~ root, info=true) }}
    {%- endif -%}
{%- endmacro %}
