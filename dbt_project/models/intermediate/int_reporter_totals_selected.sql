-- Each reporter's own published World total per source, flow (exports, imports, turnover) and year:
-- the denominator of shares and contributions.
with flows as (
    select * from {{ ref('int_trade_turnover_computed') }}
)

select source, reporter_iso3, flow, year, value_usd as reporter_total_usd
from flows
where partner_iso3 = 'WLD'
