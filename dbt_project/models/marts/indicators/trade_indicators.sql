-- Per reporter × flow × year, from two views: 'reported' (the reporter's own figures) and 'mirror'
-- (its partners' figures of the same trade): partner concentration (Herfindahl-Hirschman index on
-- the shares of named partner countries, 0–10,000), the top-5 partners' share, the number of
-- partners, the trade balance and the export/import coverage. One pass over the paired figures
-- (int_partner_figures_paired: their ranks give the top five); no further sort.
with paired as (
    select * from {{ ref('int_partner_figures_paired') }}
),

counted as (
    select source, reporter_iso3, year, flow, reporter_total_usd
    from {{ ref('int_partner_reporting_counted') }}
),

summed as (
    select
        source,
        reporter_iso3,
        year,
        flow,
        count(own_value_usd) as own_figures,
        count(case when own_value_usd > 0 then 1 end) as own_partners,
        {{ exact_sum('case when own_value_usd > 0 then own_value_usd end') }} as own_partner_total_usd,
        {{ exact_sum_of_squares('case when own_value_usd > 0 then own_value_usd end') }} as own_sum_squares,
        {{ exact_sum('case when own_rank <= 5 then own_value_usd end') }} as own_top5_usd,
        count(mirror_value_usd) as mirror_figures,
        count(case when mirror_value_usd > 0 then 1 end) as mirror_partners,
        {{ exact_sum('case when mirror_value_usd > 0 then mirror_value_usd end') }} as mirror_partner_total_usd,
        {{ exact_sum_of_squares('case when mirror_value_usd > 0 then mirror_value_usd end') }} as mirror_sum_squares,
        {{ exact_sum('case when mirror_rank <= 5 then mirror_value_usd end') }} as mirror_top5_usd
    from paired
    group by source, reporter_iso3, year, flow
),

aggregated as (
    select s.*, c.reporter_total_usd
    from summed s
    left join counted c
        on c.source = s.source and c.reporter_iso3 = s.reporter_iso3 and c.year = s.year and c.flow = s.flow
),

views as (
    select
        source, reporter_iso3, year, flow,
        'reported' as view,
        own_partners as partners,
        own_partner_total_usd as partner_total_usd,
        own_sum_squares as sum_squares,
        own_top5_usd as top5_usd,
        reporter_total_usd as total_usd,
        'reporter_world_total' as total_basis,
        reporter_total_usd
    from aggregated
    where own_figures > 0
    union all
    select
        source, reporter_iso3, year, flow,
        'mirror' as view,
        mirror_partners as partners,
        mirror_partner_total_usd as partner_total_usd,
        mirror_sum_squares as sum_squares,
        mirror_top5_usd as top5_usd,
        mirror_partner_total_usd as total_usd,
        'reporting_partners_sum' as total_basis,
        reporter_total_usd
    from aggregated
    where mirror_figures > 0
),

balanced as (
    select
        *,
        sum(case when flow = 'exports' then total_usd end) over y as exports_usd,
        sum(case when flow = 'imports' then total_usd end) over y as imports_usd
    from views
    window y as (partition by source, reporter_iso3, year, view)
),

final as (
    select
        source,
        reporter_iso3,
        flow,
        year,
        view,
        total_basis,
        total_usd,
        partners,
        partner_total_usd,
        case when partner_total_usd > 0
            then 10000.0 * sum_squares / (partner_total_usd * partner_total_usd) end as hhi,
        top5_usd,
        case when total_usd > 0 then 100.0 * coalesce(top5_usd, 0) / total_usd end as top5_share_pct,
        case when reporter_total_usd > 0 then 100.0 * coalesce(partner_total_usd, 0) / reporter_total_usd end
            as partner_total_pct_of_world,
        -- named partners above the reporter's own World total, beyond floating-point noise
        coalesce(view = 'reported'
                 and 100.0 * partner_total_usd / reporter_total_usd > 100 + {{ var('share_float_tolerance_pp') }}, false)
            as is_above_world_total,
        exports_usd - imports_usd as trade_balance_usd,
        case when imports_usd > 0 then exports_usd / imports_usd end as export_import_coverage
    from balanced
)

select * from final
