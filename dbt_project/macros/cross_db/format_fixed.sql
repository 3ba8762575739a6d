{#- A number as text with a fixed number of decimals, optionally with thousands separators
    ('1,234.5') and an explicit sign ('+4.2'); null stays null. Both engines round the exact
    binary value, ties to even. -#}
{% macro format_fixed(expression, decimals, thousands=false, sign=false) -%}
    {{ return(adapter.dispatch('format_fixed', 'corridor')(expression, decimals, thousands, sign)) }}
{%- endmacro %}

{% macro default__format_fixed(expression, decimals, thousands, sign) -%}
    format('{:{{ '+' if sign else '' }}{{ ',' if thousands else '' }}.{{ decimals }}f}', {{ expression }})
{%- endmacro %}

{% macro spark__format_fixed(expression, decimals, thousands, sign) -%}
    {%- set number = 'format_number(' ~ expression ~ ', ' ~ decimals ~ ')' -%}
    {%- if not thousands %}{% set number = 'replace(' ~ number ~ ", ',', '')" %}{% endif -%}
    {%- if sign -%}
        (case when {{ expression }} >= 0 then '+' else '' end || {{ number }})
    {%- else -%}
        {{ number }}
    {%- endif -%}
{%- endmacro %}
