{#- One 64-bit hash of several columns (qualified by alias if given), nulls included (a null hashes to a value, so rows whose
    columns are equal or both null get the same hash). For routing rows, not for identity: two
    different keys may share a hash, so a model may use it only where a collision costs time, never
    a result (int_trade_flows_versioned sends colliding keys down its general path). -#}
{% macro key_hash(columns, alias=none) -%}
    {%- set qualified = [] -%}
    {%- for column in columns %}{% do qualified.append(alias ~ '.' ~ column if alias else column) %}{% endfor -%}
    {{ return(adapter.dispatch('key_hash', 'corridor')(qualified)) }}
{%- endmacro %}

{% macro default__key_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__key_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
