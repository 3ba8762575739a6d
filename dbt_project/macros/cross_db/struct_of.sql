{#- A struct (a row value): fields is a list of column names (each field named like its column) or
    a mapping of field name to expression. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of', 'corridor')(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    struct_pack({% for name in fields %}{{ name }} := {{ fields[name] if fields is mapping else name }}{{ ', ' if not loop.last else '' }}{% endfor %})
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({% for name in fields %}'{{ name }}', {{ fields[name] if fields is mapping else name }}{{ ', ' if not loop.last else '' }}{% endfor %})
{%- endmacro %}
