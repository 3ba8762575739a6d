{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
-- A view on DuckDB over the paired figures (a table, int_partner_figures_paired) and the counts per
-- reporter-year-flow (int_partner_reporting_counted): a copy would cost a full write of 5.4 million
-- rows at all-DOTS scale. A Parquet table on Spark, where every mart is one.
-- For each reporter R, year and flow: every partner country P as R reports the trade (value,
-- share, rank: marts.partner_shares) beside the same trade as P reports it, P's rank among the
-- partners that report, the difference of the two ranks and how many of R's partners reported.
with paired as (
    select * from {{ ref('int_partner_figures_paired') }}
),

counted as (
    select * from {{ ref('int_partner_reporting_counted') }}
),

final as (
    select
        p.source,
        p.reporter_iso3,
        p.partner_iso3,
        p.year,
        p.flow,
        c.reporter_total_usd,
        p.own_value_usd,
        case when c.reporter_total_usd > 0 then 100.0 * p.own_value_usd / c.reporter_total_usd end as own_share_pct,
        p.own_rank,
        p.mirror_value_usd,
        case when c.reporter_total_usd > 0 then 100.0 * p.mirror_value_usd / c.reporter_total_usd end as mirror_share_pct,
        c.mirror_total_usd,
        case when c.mirror_total_usd > 0 then 100.0 * p.mirror_value_usd / c.mirror_total_usd end
            as mirror_share_of_reporting_pct,
        p.mirror_rank,
        p.own_rank - p.mirror_rank as rank_disagreement,
        c.own_partners,
        c.partners_reporting,
        c.own_partners_reporting
    from paired p
    join counted c
        on c.source = p.source and c.reporter_iso3 = p.reporter_iso3 and c.year = p.year and c.flow = p.flow
)

select * from final
