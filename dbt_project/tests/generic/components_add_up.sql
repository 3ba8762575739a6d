{#- Fails on every row where the components do not add up to the total, or where the total or a
    component is null. The tolerance is for floating point only: relative_tolerance × the largest
    magnitude among the total, the components and the scale columns (at least 1). -#}
{% test components_add_up(model, total, components, scale_columns=[], relative_tolerance=0.000000001) %}
{%- set magnitudes = [total] + components + scale_columns %}
select *
from {{ model }}
where {{ total }} is null
   {%- for c in components %} or {{ c }} is null{% endfor %}
   or abs({{ total }} - ({{ components | join(' + ') }}))
      > {{ relative_tolerance }} * greatest(1.0{% for m in magnitudes %}, abs({{ m }}){% endfor %})
{% endtest %}
