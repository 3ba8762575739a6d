-- Every harmonised trade figure of every trade source, one shape. New trade sources add a
-- `union all` branch here.
with imf_dots as (
    select * from {{ ref('stg_imf_dots__trade_flows') }}
),

unioned as (
    select * from imf_dots
)

select * from unioned
