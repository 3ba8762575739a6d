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
        {%- for node in graph.sources.values() if node.schema in ('raw', 'audit') and (node.schema ~ '.' ~ node.name) not in tables -%}
            {%- do tables.append(node.schema ~ '.' ~ node.name) -%}
        {%- endfor -%}
        {% do run_query('create database if not exists raw') %}
        {% do run_query('create database if not exists audit') %}
        {%- for table in tables -%}
            {%- set schema, name = table.split('.') -%}
            {#- raw tables at <root>/<table>; the load log at <root>/_audit/load_log -#}
            {%- set location = root.rstrip('/') ~ '/' ~ ('_audit/' if schema == 'audit' else '') ~ name -%}
            {% do run_query('drop table if exists ' ~ table) %}
            {% do run_query("create table " ~ table ~ " using parquet location '" ~ location ~ "'") %}
            {%- set described = run_query('describe table ' ~ table) -%}
            {%- if '# Partition Information' in described.columns[0].values() -%}
                {% do run_query('alter table ' ~ table ~ ' recover partitions') %}
            {%- endif -%}
        {%- endfor -%}
        {{ log('registered ' ~ tables | length ~ ' raw tables over ' ~ root, info=true) }}
    {%- endif -%}
{%- endmacro %}
