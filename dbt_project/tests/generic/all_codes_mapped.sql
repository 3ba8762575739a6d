{#- Fails on every source code (column_name) whose mapped code (mapped_column) is null: the
    failing rows name the unmapped code and how many records carry it. -#}
{% test all_codes_mapped(model, column_name, mapped_column) %}
select {{ column_name }} as unmapped_code, count(*) as records
from {{ model }}
where {{ column_name }} is not null and {{ mapped_column }} is null
group by {{ column_name }}
{% endtest %}
