-- FDI and company-count claims with the statistic for them, as each side reports it: the host's
-- figure (own series: the claim's reporter is the host) and the investor's (mirror: IMF CDIS
-- outward positions). Flows (fdi_inflow, fdi_outflow) match the same calendar year only; positions
-- (fdi_stock) and company counts the nearest observation at or before the claim's date (its
-- period's end). Where several sources have it, the latest observation, then source precedence.
-- A figure published in the very document the claim comes from (the same URL: the CBAR press
-- figures, the officials' company counts) is never evidence for it: where it is the nearest
-- observation it is kept apart as `restated_*` (and no older figure is used instead), so the
-- verdict can say that the claim restates it instead of "confirming" itself.
with claims as (
    select * from {{ ref('stg_claims__claims') }}
    where metric in ('fdi_inflow', 'fdi_outflow', 'fdi_stock', 'companies_registered', 'companies_active')
),

precedence as (
    select domain, source, precedence, name as label from {{ ref('dim_sources') }} where domain in ('fdi', 'companies')
),

fdi as (
    select
        c.claim_id,
        c.period_end,
        case f.reporting_side when 'host' then 'own' else 'mirror' end as side,
        f.source,
        f.release,
        f.value_usd as value,
        f.year,
        case when f.measure = 'position' then 'end-' else '' end || cast(f.year as {{ dbt.type_string() }}) as observed,
        make_date(f.year, 12, 31) as observed_on,
        coalesce(p.label, f.source) as label,
        coalesce(p.precedence, 999) as precedence,
        f.url,
        coalesce(f.url = c.document, false) as is_same_statement,
        cast(null as {{ dbt.type_string() }}) as note
    from claims c
    join {{ ref('fdi_by_origin') }} f
        on f.host_iso3 = c.reporter_iso3 and f.origin_iso3 = c.partner_iso3
        and f.measure = case when c.metric = 'fdi_stock' then 'position' else 'inflow' end
    left join precedence p on p.domain = 'fdi' and p.source = f.source
    where c.metric in ('fdi_inflow', 'fdi_outflow', 'fdi_stock')
      and (
        (c.metric = 'fdi_stock' and make_date(f.year, 12, 31) <= c.period_end)
        or (c.metric <> 'fdi_stock' and c.period_kind = 'year' and f.year = year(c.period_start))
      )
),

companies as (
    select
        c.claim_id,
        c.period_end,
        'own' as side,
        'registry_counts' as source,
        cast(r.as_of_date as {{ dbt.type_string() }}) as release,
        cast(case c.metric when 'companies_registered' then r.registered else r.active end as double) as value,
        year(r.as_of_date) as year,
        cast(r.as_of_date as {{ dbt.type_string() }}) as observed,
        r.as_of_date as observed_on,
        coalesce(p.label, 'registry_counts') as label,
        coalesce(p.precedence, 999) as precedence,
        r.url,
        coalesce(r.url = c.document, false) as is_same_statement,
        'the count is an official statement (' || r.source || coalesce(', ' || r.url, '') || ')' as note
    from claims c
    join {{ ref('company_registry') }} r on r.host_iso3 = c.reporter_iso3 and r.origin_iso3 = c.partner_iso3
    left join precedence p on p.domain = 'companies' and p.source = 'registry_counts'
    where c.metric in ('companies_registered', 'companies_active')
      and case c.metric when 'companies_registered' then r.registered else r.active end is not null
      and (r.as_of_date <= c.period_end or r.url = c.document)
),

candidates as (
    select * from fdi
    union all
    select * from companies
),

nearest as (
    -- per side, the nearest observation at or before the claim's date (a statement of the claim's
    -- own document counts as of its date, even a later one: it is the claim's source); an
    -- independent figure wins a tie with the claim's own statement
    select
        claim_id,
        side,
        {{ arg_min_by(struct_of(['source', 'release', 'value', 'observed', 'label', 'note', 'url', 'is_same_statement']),
                      ['greatest(' ~ dbt.datediff('observed_on', 'period_end', 'day') ~ ', 0)', 'is_same_statement', 'precedence', 'source']) }} as pick
    from candidates
    group by claim_id, side
),

best as (
    -- evidence: the nearest observation unless it is the claim's own statement
    select * from nearest where not pick.is_same_statement
),

restated as (
    select claim_id, pick from nearest where pick.is_same_statement
),

final as (
    select
        c.claim_id,
        coalesce(o.pick.observed, m.pick.observed) as statistic_when,
        o.pick.observed as reporter_when,
        m.pick.observed as mirror_when,
        o.pick.value as reporter_value,
        o.pick.source as reporter_source,
        o.pick.release as reporter_release,
        o.pick.label as reporter_label,
        o.pick.label || ', as ' || c.reporter_iso3 || ' reports' as reporter_series,
        o.pick.note as reporter_note,
        m.pick.value as mirror_value,
        m.pick.source as mirror_source,
        m.pick.release as mirror_release,
        m.pick.label as mirror_label,
        m.pick.label || ', as ' || c.partner_iso3 || ' reports' as mirror_series,
        r.pick.source as restated_source,
        r.pick.release as restated_release,
        r.pick.value as restated_value,
        r.pick.observed as restated_when,
        r.pick.label as restated_label,
        r.pick.url as restated_url
    from claims c
    left join best o on o.claim_id = c.claim_id and o.side = 'own'
    left join best m on m.claim_id = c.claim_id and m.side = 'mirror'
    left join restated r on r.claim_id = c.claim_id
    where o.claim_id is not null or m.claim_id is not null or r.claim_id is not null
)

select * from final
