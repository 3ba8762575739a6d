{{ config(materialized='table') }}
-- A table (one row per source × reporter × year × flow, small): partner_shares_both_sides,
-- partner_reporting_coverage, partner_group_shares and trade_indicators read it.
-- Per reporter, year and flow: the reporter's own World total, how many partner countries appear
-- in its own figures, how many report their own trade with it, and the sums both views cover.
with paired as (
    select * from {{ ref('int_partner_figures_paired') }}
),

world as (
    select * from {{ ref('int_reporter_totals_selected') }}
),

counted as (
    select
        source,
        reporter_iso3,
        year,
        flow,
        count(own_value_usd) as own_partners,
        count(mirror_value_usd) as partners_reporting,
        count(case when own_value_usd is not null and mirror_value_usd is not null then 1 end) as own_partners_reporting,
        {{ exact_sum('own_value_usd') }} as own_partner_total_usd,
        {{ exact_sum('case when mirror_value_usd is not null then own_value_usd end') }} as own_value_with_reporting_partners_usd,
        {{ exact_sum('mirror_value_usd') }} as mirror_total_usd
    from paired
    group by source, reporter_iso3, year, flow
),

final as (
    select c.*, w.reporter_total_usd
    from counted c
    left join world w
        on w.source = c.source and w.reporter_iso3 = c.reporter_iso3 and w.flow = c.flow and w.year = c.year
)

select * from final
