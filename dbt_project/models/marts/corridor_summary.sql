-- The headline numbers of a corridor (reporter × partner) in one row per year: trade as each side
-- reports it, growth, the partner's share and rank, the mirror gap, FDI from the partner,
-- companies with the partner's capital, and how the claims about that year were judged.
-- Corridors: pairs both of whose statistics are in the warehouse, plus any pair with FDI, registry
-- or claims figures.
with shares as (
    select * from {{ ref('partner_shares') }} where source = 'imf_dots'
),

growth as (
    select * from {{ ref('trade_growth') }} where source = 'imf_dots' and flow = 'turnover'
),

fdi as (
    -- UNCTAD first, then other releases, for the same host, origin and year
    select host_iso3, origin_iso3, year,
           {{ arg_min_by('value_usd', "case when source = 'unctad_fdi' then 1 else 2 end") }} as fdi_inflow_usd,
           {{ arg_min_by('source', "case when source = 'unctad_fdi' then 1 else 2 end") }} as fdi_source
    from {{ ref('fdi_by_origin') }}
    where measure = 'inflow' and origin_entity_type = 'country'
    group by host_iso3, origin_iso3, year
),

registry as (
    select * from {{ ref('company_registry') }}
),

claims as (
    select reporter_iso3, partner_iso3, year(period_start) as year, verdict
    from {{ ref('claim_checks') }}
    where period_start is not null
),

own as (
    -- the partner shares read once (10 million rows at all-DOTS scale): one row per reporter,
    -- partner and year; pairs, years and the mirror side all come from here
    select reporter_iso3, partner_iso3, year,
        max(partner_entity_type) as partner_entity_type,
        max(value_usd) filter (where flow = 'turnover') as turnover_usd,
        max(value_usd) filter (where flow = 'exports') as exports_usd,
        max(value_usd) filter (where flow = 'imports') as imports_usd,
        max(share_pct) filter (where flow = 'turnover') as partner_share_pct,
        max(rank) filter (where flow = 'turnover') as partner_rank,
        max(share_pct) filter (where flow = 'imports') as partner_import_share_pct,
        max(rank) filter (where flow = 'imports') as partner_import_rank
    from shares
    group by reporter_iso3, partner_iso3, year
),

mirror as (
    -- the partner's records of the same trade: its imports from the reporter are the reporter's
    -- exports seen from the other side, and vice versa
    select partner_iso3 as reporter_iso3, reporter_iso3 as partner_iso3, year,
        turnover_usd as turnover_mirror_usd,
        imports_usd as exports_mirror_usd,
        exports_usd as imports_mirror_usd
    from own
),

share_pairs as (
    -- distinct first: joining the shares themselves would pair every year and flow of one side
    -- with every year and flow of the other (quadratic in years × flows per pair)
    select distinct reporter_iso3, partner_iso3, partner_entity_type from own
),

pairs as (
    select distinct a.reporter_iso3, a.partner_iso3
    from share_pairs a
    join share_pairs b on b.reporter_iso3 = a.partner_iso3 and b.partner_iso3 = a.reporter_iso3
    where a.partner_entity_type = 'country'
    union select distinct host_iso3, origin_iso3 from fdi
    union select distinct host_iso3, origin_iso3 from registry
    union select distinct reporter_iso3, partner_iso3 from claims where partner_iso3 in (select iso3 from {{ ref('dim_countries') }} where is_country)
),

years as (
    select p.reporter_iso3, p.partner_iso3, s.year
    from pairs p join own s on s.reporter_iso3 = p.reporter_iso3 and s.partner_iso3 = p.partner_iso3
    union select p.reporter_iso3, p.partner_iso3, s.year
    from pairs p join own s on s.reporter_iso3 = p.partner_iso3 and s.partner_iso3 = p.reporter_iso3
    union select host_iso3, origin_iso3, year from fdi
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
        coalesce(cc.claims_unverifiable, 0) as claims_unverifiable
    from (select distinct * from years) y
    left join own o using (reporter_iso3, partner_iso3, year)
    left join mirror m using (reporter_iso3, partner_iso3, year)
    left join growth g on g.reporter_iso3 = y.reporter_iso3 and g.partner_iso3 = y.partner_iso3 and g.year = y.year
    left join growth gm on gm.reporter_iso3 = y.partner_iso3 and gm.partner_iso3 = y.reporter_iso3 and gm.year = y.year
    left join fdi f on f.host_iso3 = y.reporter_iso3 and f.origin_iso3 = y.partner_iso3 and f.year = y.year
    left join companies c using (reporter_iso3, partner_iso3, year)
    left join claim_counts cc using (reporter_iso3, partner_iso3, year)
)

select * from final
