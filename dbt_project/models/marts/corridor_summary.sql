-- The headline numbers of a corridor (reporter × partner) in one row per year: trade as each side
-- reports it, growth, the partner's share and rank, the mirror gap, FDI from the partner (inflows,
-- and positions as each side reports them), companies with the partner's capital, and how the
-- claims about that year were judged. Every trade source counts: for each side and year the first
-- source in source precedence (seed dim_sources) that has the pair's figures, named in
-- trade_source / mirror_source. Shares and ranks exist only where that source gives the reporter's
-- World total; turnover only where it records both flows.
-- Corridors: pairs both of whose statistics are in the warehouse, plus any pair with FDI, registry
-- or claims figures.
with trade_precedence as (
    select source, precedence from {{ ref('dim_sources') }} where domain = 'trade'
),

fdi_precedence as (
    select source, precedence from {{ ref('dim_sources') }} where domain = 'fdi'
),

shares as (
    select source, reporter_iso3, partner_iso3, partner_entity_type, year, flow, value_usd, share_pct, rank
    from {{ ref('partner_shares') }}
),

without_totals as (
    -- figures of sources that give no World total for the reporter-year (not in partner_shares):
    -- their values count, they have no share or rank
    select t.source, t.reporter_iso3, t.partner_iso3, t.partner_entity_type, t.year, t.flow, t.value_usd,
        cast(null as double) as share_pct, cast(null as bigint) as rank
    from {{ ref('int_trade_turnover_computed') }} t
    left join {{ ref('int_reporter_totals_selected') }} w
        on w.source = t.source and w.reporter_iso3 = t.reporter_iso3 and w.flow = t.flow and w.year = t.year
    where w.reporter_iso3 is null
),

fdi as (
    select f.*, coalesce(p.precedence, 999) as source_precedence
    from {{ ref('fdi_by_origin') }} f
    left join fdi_precedence p on p.source = f.source
    where f.origin_entity_type = 'country'
),

fdi_inflows as (
    -- the host's inflow from the first FDI source in precedence (UNCTAD, then releases)
    select host_iso3, origin_iso3, year,
           {{ arg_min_by('value_usd', ['source_precedence', 'source']) }} as fdi_inflow_usd,
           {{ arg_min_by('source', ['source_precedence', 'source']) }} as fdi_source
    from fdi
    where measure = 'inflow' and reporting_side = 'host'
    group by host_iso3, origin_iso3, year
),

fdi_positions as (
    select host_iso3, origin_iso3, year,
           {{ arg_min_by('value_usd', ['source_precedence', 'source'], where="reporting_side = 'host'") }} as fdi_position_usd,
           {{ arg_min_by('value_usd', ['source_precedence', 'source'], where="reporting_side = 'investor'") }} as fdi_position_investor_usd,
           {{ arg_min_by('source', ['source_precedence', 'source'], where="reporting_side = 'host'") }} as fdi_position_source
    from fdi
    where measure = 'position'
    group by host_iso3, origin_iso3, year
),

registry as (
    select * from {{ ref('company_registry') }}
),

claims as (
    -- a claim belongs to the year its period ends in (a cumulative 1995–2025 total to 2025)
    select reporter_iso3, partner_iso3, year(period_end) as year, verdict
    from {{ ref('claim_checks') }}
    where period_end is not null
),

by_source as (
    -- the figures read once (10 million rows at all-DOTS scale): one row per source, reporter,
    -- partner and year
    select source, reporter_iso3, partner_iso3, year,
        max(partner_entity_type) as partner_entity_type,
        max(value_usd) filter (where flow = 'turnover') as turnover_usd,
        max(value_usd) filter (where flow = 'exports') as exports_usd,
        max(value_usd) filter (where flow = 'imports') as imports_usd,
        max(share_pct) filter (where flow = 'turnover') as partner_share_pct,
        max(rank) filter (where flow = 'turnover') as partner_rank,
        max(share_pct) filter (where flow = 'imports') as partner_import_share_pct,
        max(rank) filter (where flow = 'imports') as partner_import_rank
    from (
        select * from shares
        union all
        select * from without_totals
    ) figures
    group by source, reporter_iso3, partner_iso3, year
),

own_flat as (
    -- per reporter, partner and year, the first source in precedence that has its figures (a
    -- row_number over 1.9 million rows at all-DOTS scale: 3 s less than an arg_min of a struct),
    -- with that source's year-on-year change of the turnover (marts.trade_growth)
    select
        r.reporter_iso3, r.partner_iso3, r.year,
        r.source as trade_source,
        r.partner_entity_type, r.turnover_usd, r.exports_usd, r.imports_usd,
        r.partner_share_pct, r.partner_rank, r.partner_import_share_pct, r.partner_import_rank,
        g.yoy_pct as turnover_yoy_pct
    from (
        select
            b.*,
            row_number() over (
                partition by b.reporter_iso3, b.partner_iso3, b.year
                order by coalesce(p.precedence, 999), b.source
            ) as source_order
        from by_source b
        left join trade_precedence p on p.source = b.source
    ) r
    left join {{ ref('trade_growth') }} g
        on g.flow = 'turnover' and g.source = r.source and g.reporter_iso3 = r.reporter_iso3
        and g.partner_iso3 = r.partner_iso3 and g.year = r.year
    where r.source_order = 1
),

share_pairs as (
    -- distinct first: joining the figures themselves would pair every year of one side with every
    -- year of the other (quadratic in years per pair)
    select distinct reporter_iso3, partner_iso3, partner_entity_type from own_flat
),

pairs as (
    select distinct a.reporter_iso3, a.partner_iso3
    from share_pairs a
    join share_pairs b on b.reporter_iso3 = a.partner_iso3 and b.partner_iso3 = a.reporter_iso3
    where a.partner_entity_type = 'country'
    union select distinct host_iso3, origin_iso3 from fdi_inflows
    union select distinct host_iso3, origin_iso3 from fdi_positions
    union select distinct host_iso3, origin_iso3 from registry
    union select distinct reporter_iso3, partner_iso3 from claims where partner_iso3 in (select iso3 from {{ ref('dim_countries') }} where is_country)
),

sides as (
    -- per reporter, partner and year: its own figures and the partner's records of the same trade
    -- (the mirror: the partner's imports from the reporter are the reporter's exports seen from the
    -- other side, and vice versa), one full join of own_flat with itself
    select
        coalesce(o.reporter_iso3, m.partner_iso3) as reporter_iso3,
        coalesce(o.partner_iso3, m.reporter_iso3) as partner_iso3,
        cast(coalesce(o.year, m.year) as bigint) as year,
        o.trade_source, o.turnover_usd, o.exports_usd, o.imports_usd, o.turnover_yoy_pct,
        o.partner_share_pct, o.partner_rank, o.partner_import_share_pct, o.partner_import_rank,
        m.trade_source as mirror_source,
        m.turnover_usd as turnover_mirror_usd,
        m.imports_usd as exports_mirror_usd,
        m.exports_usd as imports_mirror_usd,
        m.turnover_yoy_pct as turnover_mirror_yoy_pct
    from own_flat o
    full outer join own_flat m
        on m.reporter_iso3 = o.partner_iso3 and m.partner_iso3 = o.reporter_iso3 and m.year = o.year
),

trade_years as (
    -- the years of a corridor's trade: either side has figures
    select s.*
    from sides s
    join pairs p on p.reporter_iso3 = s.reporter_iso3 and p.partner_iso3 = s.partner_iso3
),

other_years as (
    -- years with FDI, registry or claims figures (a few hundred rows)
    select host_iso3 as reporter_iso3, origin_iso3 as partner_iso3, cast(year as bigint) as year from fdi_inflows
    union select host_iso3, origin_iso3, cast(year as bigint) from fdi_positions
    union select host_iso3, origin_iso3, cast(year(as_of_date) as bigint) from registry
    union select c.reporter_iso3, c.partner_iso3, cast(c.year as bigint) from claims c
        join pairs p on p.reporter_iso3 = c.reporter_iso3 and p.partner_iso3 = c.partner_iso3
),

years as (
    -- every row of the summary: the corridor's trade years, and the years of its FDI, registry and
    -- claims figures
    select
        coalesce(t.reporter_iso3, o.reporter_iso3) as reporter_iso3,
        coalesce(t.partner_iso3, o.partner_iso3) as partner_iso3,
        coalesce(t.year, o.year) as year,
        t.trade_source, t.turnover_usd, t.exports_usd, t.imports_usd, t.turnover_yoy_pct,
        t.partner_share_pct, t.partner_rank, t.partner_import_share_pct, t.partner_import_rank,
        t.mirror_source, t.turnover_mirror_usd, t.exports_mirror_usd, t.imports_mirror_usd, t.turnover_mirror_yoy_pct
    from trade_years t
    full outer join other_years o
        on o.reporter_iso3 = t.reporter_iso3 and o.partner_iso3 = t.partner_iso3 and o.year = t.year
),

companies as (
    select y.reporter_iso3, y.partner_iso3, y.year,
        {{ arg_max_by('r.registered', 'r.as_of_date') }} as companies_registered,
        {{ arg_max_by('r.active', 'r.as_of_date') }} as companies_active,
        max(r.as_of_date) as companies_as_of
    from years y
    join registry r on r.host_iso3 = y.reporter_iso3 and r.origin_iso3 = y.partner_iso3
        and r.as_of_date <= make_date(y.year, 12, 31)
    group by all
),

claim_counts as (
    select reporter_iso3, partner_iso3, year,
        count(*) as claims_total,
        count(*) filter (where verdict = 'confirmed') as claims_confirmed,
        count(*) filter (where verdict = 'consistent') as claims_consistent,
        count(*) filter (where verdict = 'conflicts') as claims_conflicting,
        count(*) filter (where verdict = 'unverifiable') as claims_unverifiable
    from claims group by all
),

final as (
    select
        y.reporter_iso3 || '-' || y.partner_iso3 as corridor,
        y.reporter_iso3,
        y.partner_iso3,
        y.year,
        y.turnover_usd,
        y.exports_usd,
        y.imports_usd,
        y.turnover_mirror_usd,
        y.exports_mirror_usd,
        y.imports_mirror_usd,
        y.turnover_yoy_pct,
        y.turnover_mirror_yoy_pct,
        y.partner_share_pct,
        y.partner_rank,
        y.partner_import_share_pct,
        y.partner_import_rank,
        y.turnover_usd - y.turnover_mirror_usd as mirror_gap_usd,
        case when y.turnover_mirror_usd > 0 then 100.0 * (y.turnover_usd - y.turnover_mirror_usd) / y.turnover_mirror_usd end as mirror_gap_pct,
        f.fdi_inflow_usd,
        f.fdi_source,
        c.companies_registered,
        c.companies_active,
        c.companies_as_of,
        coalesce(cc.claims_total, 0) as claims_total,
        coalesce(cc.claims_confirmed, 0) as claims_confirmed,
        coalesce(cc.claims_consistent, 0) as claims_consistent,
        coalesce(cc.claims_conflicting, 0) as claims_conflicting,
        coalesce(cc.claims_unverifiable, 0) as claims_unverifiable,
        y.trade_source,
        y.mirror_source,
        fp.fdi_position_usd,
        fp.fdi_position_investor_usd,
        fp.fdi_position_source
    from years y
    left join fdi_inflows f on f.host_iso3 = y.reporter_iso3 and f.origin_iso3 = y.partner_iso3 and f.year = y.year
    left join fdi_positions fp on fp.host_iso3 = y.reporter_iso3 and fp.origin_iso3 = y.partner_iso3 and fp.year = y.year
    left join companies c on c.reporter_iso3 = y.reporter_iso3 and c.partner_iso3 = y.partner_iso3 and c.year = y.year
    left join claim_counts cc on cc.reporter_iso3 = y.reporter_iso3 and cc.partner_iso3 = y.partner_iso3 and cc.year = y.year
)

select * from final
