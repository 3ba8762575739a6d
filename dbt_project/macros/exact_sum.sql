{#- Sums of US-dollar figures that do not depend on the order rows are added in (parallel hash
    aggregation adds doubles in a different order on every run, so a plain sum can differ in its
    last bits from build to build and no mart could be compared by checksum): each figure is
    rounded to whole cents as an integer (round(value × 100), half away from zero, the same on
    DuckDB and Spark), the cents are added exactly, and the sum returned in dollars as a double.
    A cast of a double straight to DECIMAL is not portable: DuckDB rounds, Spark truncates
    (1,665,265.9999999998 became 1,665,266.00 and 1,665,265.99).
    exact_sum_of_squares sums cents² as DECIMAL(38, 0) (exact up to 10^34 dollars²), in dollars². -#}
{% macro cents(expression) -%}
    cast(round(({{ expression }}) * 100) as bigint)
{%- endmacro %}

{% macro exact_sum(expression) -%}
    (cast(sum({{ cents(expression) }}) as double) / 100)
{%- endmacro %}

{% macro exact_sum_of_squares(expression) -%}
    (cast(sum(cast({{ cents(expression) }} as decimal(38, 0)) * cast({{ cents(expression) }} as decimal(38, 0))) as double) / 10000)
{%- endmacro %}
