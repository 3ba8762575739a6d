{#- The value at the row where order_by is smallest (arg_min_by) or largest (arg_max_by), over the
    rows where the value is not null and the optional condition holds. order_by is one expression,
    or a list compared left to right with nulls last (DuckDB's order of structs), so that both
    engines pick the same row. -#}
{% macro arg_min_by(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('arg_extreme_by', 'corridor')('min', value, order_by, where)) }}
{%- endmacro %}

{% macro arg_max_by(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('arg_extreme_by', 'corridor')('max', value, order_by, where)) }}
{%- endmacro %}

{% macro default__arg_extreme_by(extreme, value, order_by, where) -%}
    arg_{{ extreme }}({{ value }},
    {%- if order_by is string %} {{ order_by }}
    {%- else %} struct_pack({% for key in order_by %}k{{ loop.index }} := {{ key }}{{ ', ' if not loop.last else '' }}{% endfor %})
    {%- endif %})
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__arg_extreme_by(extreme, value, order_by, where) -%}
    {{ extreme }}_by({{ value }},
    {%- if order_by is string %} {{ order_by }}
    {%- else %} named_struct({% for key in order_by %}'n{{ loop.index }}', ({{ key }}) is null, 'k{{ loop.index }}', {{ key }}{{ ', ' if not loop.last else '' }}{% endfor %})
    {%- endif %}) filter (where {{ value }} is not null{% if where is not none %} and ({{ where }}){% endif %})
{%- endmacro %}
