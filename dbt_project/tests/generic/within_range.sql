{#- Fails on every non-null value of the column outside [min_value - tolerance, max_value + tolerance].
    tolerance: floating-point noise never fails a range test (e.g. var('share_float_tolerance_pp')).
    unless: a boolean column; rows where it is true are exempt (a real value flagged by the model,
    e.g. a partner above the reporter's World total: kept and flagged, not a failure). -#}
{% test within_range(model, column_name, min_value=none, max_value=none, tolerance=0, unless=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  {% if unless is not none %}and not coalesce({{ unless }}, false){% endif %}
  and (
    {% if min_value is not none %}{{ column_name }} < {{ min_value }} - {{ tolerance }}{% else %}false{% endif %}
    or {% if max_value is not none %}{{ column_name }} > {{ max_value }} + {{ tolerance }}{% else %}false{% endif %}
  )
{% endtest %}
