{#- Sums of US-dollar figures that do not depend on the order rows are added in (parallel hash
    aggregation adds doubles in a different order on every run, so a plain sum can differ in its
    last bits from build to build and no mart could be compared by checksum): each figure is
    rounded to the cent as a DECIMAL(38, 2), added exactly, and the result returned as a double.
    exact_sum_of_squares sums value² (cents², DECIMAL(38, 4): exact up to 10^34 dollars²). -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 2))) as double)
{%- endmacro %}

{% macro exact_sum_of_squares(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 2)) * cast({{ expression }} as decimal(38, 2))) as double)
{%- endmacro %}
