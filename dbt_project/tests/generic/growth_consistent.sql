{#- Fails where yoy_pct does not follow from value_usd and prev_value_usd (relative tolerance). -#}
{% test growth_consistent(model, tolerance=0.000001) %}
select *
from {{ model }}
where prev_value_usd > 0
  and yoy_pct is not null
  and abs(yoy_pct - 100.0 * (value_usd - prev_value_usd) / prev_value_usd) > {{ tolerance }} * greatest(1, abs(yoy_pct))
   or (prev_value_usd > 0 and yoy_pct is null)
   or (yoy_change_usd is not null and abs(yoy_change_usd - (value_usd - prev_value_usd)) > 0.01)
{% endtest %}
