{#- The values of the group joined by the delimiter in ascending order (nulls skipped; null when
    nothing is left), over the rows where the optional condition holds. -#}
{% macro string_agg_ordered(expression, delimiter, where=none) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'corridor')(expression, delimiter, where)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(expression, delimiter, where) -%}
    string_agg({{ expression }}, '{{ delimiter }}' order by {{ expression }})
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__string_agg_ordered(expression, delimiter, where) -%}
    listagg({{ expression }}, '{{ delimiter }}') within group (order by {{ expression }})
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}
