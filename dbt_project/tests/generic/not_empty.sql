{#- A mart that would be empty is a systemic fault (nothing to publish): fails when the model has no row. -#}
{% test not_empty(model) %}
select 'no rows' as problem
where not exists (select 1 from {{ model }})
{% endtest %}
