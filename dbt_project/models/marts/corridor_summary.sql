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

growth as (
    select * from {{ ref('trade_growth') }} where flow = 'turnover'
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
    -- row_number over 1.9 million rows at all-DOTS scale: 3 s less than an arg_min of a struct)
    select
        reporter_iso3, partner_iso3, year,
        source as trade_source,
        partner_entity_type, turnover_usd, exports_usd, imports_usd,
        partner_share_pct, partner_rank, partner_import_share_pct, partner_import_rank
    from (
        select
            b.*,
            row_number() over (
                partition by b.reporter_iso3, b.partner_iso3, b.year
                order by coalesce(p.precedence, 999), b.source
            ) as source_order
        from by_source b
        left join trade_precedence p on p.source = b.source
    ) ranked
    where source_order = 1
),

mirror as (
    -- the partner's records of the same trade: its imports from the reporter are the reporter's
    -- exports seen from the other side, and vice versa
    select partner_iso3 as reporter_iso3, reporter_iso3 as partner_iso3, year,
        trade_source as mirror_source,
        turnover_usd as turnover_mirror_usd,
        imports_usd as exports_mirror_usd,
        exports_usd as imports_mirror_usd
    from own_flat
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

years as (
    select p.reporter_iso3, p.partner_iso3, s.year
    from pairs p join own_flat s on s.reporter_iso3 = p.reporter_iso3 and s.partner_iso3 = p.partner_iso3
    union select p.reporter_iso3, p.partner_iso3, s.year
    from pairs p join own_flat s on s.reporter_iso3 = p.partner_iso3 and s.partner_iso3 = p.reporter_iso3
    union select host_iso3, origin_iso3, year from fdi_inflows
    union select host_iso3, origin_iso3, year from fdi_positions
    union select host_iso3, origin_iso3, year(as_of_date) from registry
    union select c.reporter_iso3, c.partner_iso3, c.year from claims c join pairs p using (reporter_iso3, partner_iso3)
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
        o.turnover_usd,
        o.exports_usd,
        o.imports_usd,
        m.turnover_mirror_usd,
        m.exports_mirror_usd,
        m.imports_mirror_usd,
        g.yoy_pct as turnover_yoy_pct,
        gm.yoy_pct as turnover_mirror_yoy_pct,
        o.partner_share_pct,
        o.partner_rank,
        o.partner_import_share_pct,
        o.partner_import_rank,
        o.turnover_usd - m.turnover_mirror_usd as mirror_gap_usd,
        case when m.turnover_mirror_usd > 0 then 100.0 * (o.turnover_usd - m.turnover_mirror_usd) / m.turnover_mirror_usd end as mirror_gap_pct,
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
        o.trade_source,
        m.mirror_source,
        fp.fdi_position_usd,
        fp.fdi_position_investor_usd,
        fp.fdi_position_source
    from (select distinct * from years) y
    left join own_flat o using (reporter_iso3, partner_iso3, year)
    left join mirror m using (reporter_iso3, partner_iso3, year)
    left join growth g on g.source = o.trade_source and g.reporter_iso3 = y.reporter_iso3
        and g.partner_iso3 = y.partner_iso3 and g.year = y.year
    left join growth gm on gm.source = m.mirror_source and gm.reporter_iso3 = y.partner_iso3
        and gm.partner_iso3 = y.reporter_iso3 and gm.year = y.year
    left join fdi_inflows f on f.host_iso3 = y.reporter_iso3 and f.origin_iso3 = y.partner_iso3 and f.year = y.year
    left join fdi_positions fp on fp.host_iso3 = y.reporter_iso3 and fp.origin_iso3 = y.partner_iso3 and fp.year = y.year
    left join companies c using (reporter_iso3, partner_iso3, year)
    left join claim_counts cc using (reporter_iso3, partner_iso3, year)
)

select * from final
