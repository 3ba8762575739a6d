-- Per reporter and year: how many of the reporter's partner countries report their own trade with
-- it (the basis of every mirror figure in partner_shares_both_sides and trade_indicators), and how
-- much of the reporter's own trade with partner countries those reporting partners account for.
-- Counted on turnover (a partner counts when either flow is recorded).
with counted as (
    select * from {{ ref('int_partner_reporting_counted') }}
    where flow = 'turnover'
),

final as (
    select
        source,
        reporter_iso3,
        year,
        own_partners,
        own_partners_reporting,
        case when own_partners > 0 then 100.0 * own_partners_reporting / own_partners end as own_partners_reporting_pct,
        partners_reporting,
        partners_reporting - own_partners_reporting as reporting_partners_not_in_own_view,
        own_partner_total_usd,
        own_value_with_reporting_partners_usd,
        case when own_partner_total_usd > 0
            then 100.0 * coalesce(own_value_with_reporting_partners_usd, 0) / own_partner_total_usd end
            as own_trade_covered_pct
    from counted
)

select * from final
