{#- Fails (or warns, with severity: warn) on every row where a boolean flag column is true: the
    flagged rows are real and kept, and the test names them. -#}
{% test none_true(model, column_name) %}
select *
from {{ model }}
where {{ column_name }}
{% endtest %}
