-- Each trade claim (level, growth, share or rank) with the statistic for the same span as its
-- reporter reports it (own series) and, for levels and growth, as its partner mirrors it (flows
-- swapped: the partner's exports are the reporter's imports; turnover is the same flow on both
-- sides). Every trade source counts; where several have the figure, the first in source
-- precedence (seed dim_sources) wins. Full years read the annual figures; a quarter or a run
-- of months reads monthly figures summed over the span, only when every month of it is there
-- (never a full-year figure for a part of a year). For level claims, the full calendar year's
-- figures are kept as context: the claimed flow as each side reports it, and each side's exports
-- (for turnover, where a source holds exports only, like the IMF IMTS matrix).
with claims as (
    select * from {{ ref('stg_claims__claims') }}
    where period_kind in ('year', 'quarter', 'months')
      and metric in (
        'turnover', 'exports', 'imports', 'turnover_yoy_pct', 'exports_yoy_pct', 'imports_yoy_pct',
        'partner_share_pct', 'import_share_pct', 'export_share_pct', 'partner_rank', 'import_rank', 'export_rank'
      )
),

precedence as (
    select source, precedence, name as label from {{ ref('dim_sources') }} where domain = 'trade'
),

wanted as (
    select
        claim_id,
        reporter_iso3,
        partner_iso3,
        period,
        period_kind,
        period_start,
        period_end,
        year(period_start) as year,
        case
            when metric in ('turnover', 'exports', 'imports') then metric
            when metric like '%!_yoy!_pct' escape '!' then replace(metric, '_yoy_pct', '')
            when metric in ('partner_share_pct', 'partner_rank') then 'turnover'
            when metric in ('import_share_pct', 'import_rank') then 'imports'
            when metric in ('export_share_pct', 'export_rank') then 'exports'
        end as flow,
        case
            when metric in ('turnover', 'exports', 'imports') then 'value_usd'
            when metric like '%!_yoy!_pct' escape '!' then 'yoy_pct'
            when metric like '%!_share!_pct' escape '!' then 'share_pct'
            else 'rank'
        end as measure,
        12 * (year(period_end) - year(period_start)) + month(period_end) - month(period_start) + 1 as span_months
    from claims
),

wanted_flows as (
    select
        *,
        case flow when 'exports' then 'imports' when 'imports' then 'exports' else flow end as mirror_flow
    from wanted
),

pairs as (
    -- the claimed pairs in both directions (own and mirror series): only their series are read
    -- (partner shares and growth hold every pair of every reporter, 10 million rows each at
    -- all-DOTS scale, and this model serves ~100 claims)
    select reporter_iso3, partner_iso3 from wanted
    union
    select partner_iso3, reporter_iso3 from wanted
),

annual as (
    -- annual figures; turnover only where the source records both flows (int_trade_turnover_computed)
    select t.source, t.release, t.reporter_iso3, t.partner_iso3, t.flow, t.year, t.value_usd
    from {{ ref('int_trade_turnover_computed') }} t
    join pairs p on p.reporter_iso3 = t.reporter_iso3 and p.partner_iso3 = t.partner_iso3
),

spans as (
    -- the part-year spans claimed, and the same spans a year earlier (for growth), both directions
    select distinct w.reporter_iso3, w.partner_iso3, w.period_start as span_start, w.period_end as span_end, w.span_months
    from wanted w where w.period_kind <> 'year'
    union
    select distinct w.reporter_iso3, w.partner_iso3, cast(w.period_start - interval 1 year as date),
        last_day(cast(w.period_end - interval 1 year as date)), w.span_months
    from wanted w where w.period_kind <> 'year'
),

span_pairs as (
    select reporter_iso3, partner_iso3, span_start, span_end, span_months from spans
    union
    select partner_iso3, reporter_iso3, span_start, span_end, span_months from spans
),

monthly as (
    select
        f.source, f.release, f.reporter_iso3, f.partner_iso3, f.flow, f.value_usd,
        make_date(f.year, cast(substr(f.period, 5, 2) as integer), 1) as month_start
    from {{ ref('int_trade_flows_unioned') }} f
    join pairs p on p.reporter_iso3 = f.reporter_iso3 and p.partner_iso3 = f.partner_iso3
    where f.product_code = 'TOTAL' and f.flow in ('exports', 'imports') and length(f.period) = 6
),

span_flows as (
    -- a span's sum, only when every month of it is there
    select
        m.source, s.reporter_iso3, s.partner_iso3, m.flow, s.span_start, s.span_end,
        sum(m.value_usd) as value_usd, max(m.release) as release
    from span_pairs s
    join monthly m
        on m.reporter_iso3 = s.reporter_iso3 and m.partner_iso3 = s.partner_iso3
        and m.month_start between s.span_start and s.span_end
    group by m.source, s.reporter_iso3, s.partner_iso3, m.flow, s.span_start, s.span_end, s.span_months
    having count(*) = s.span_months
),

span_levels as (
    select source, release, reporter_iso3, partner_iso3, flow, span_start, span_end, value_usd from span_flows
    union all
    select source, max(release), reporter_iso3, partner_iso3, 'turnover', span_start, span_end, sum(value_usd)
    from span_flows
    group by source, reporter_iso3, partner_iso3, span_start, span_end
    having count(*) = 2
),

series as (
    -- one shape for every figure a claim can be compared with
    select source, release, reporter_iso3, partner_iso3, flow, make_date(year, 1, 1) as span_start,
        make_date(year, 12, 31) as span_end, 'value_usd' as measure, value_usd as value
    from annual
    union all
    select g.source, a.release, g.reporter_iso3, g.partner_iso3, g.flow, make_date(g.year, 1, 1), make_date(g.year, 12, 31),
        'yoy_pct', g.yoy_pct
    from {{ ref('trade_growth') }} g
    join annual a on a.source = g.source and a.reporter_iso3 = g.reporter_iso3 and a.partner_iso3 = g.partner_iso3
        and a.flow = g.flow and a.year = g.year
    where g.yoy_pct is not null
    union all
    select s.source, a.release, s.reporter_iso3, s.partner_iso3, s.flow, make_date(s.year, 1, 1), make_date(s.year, 12, 31),
        'share_pct', s.share_pct
    from {{ ref('partner_shares') }} s
    join annual a on a.source = s.source and a.reporter_iso3 = s.reporter_iso3 and a.partner_iso3 = s.partner_iso3
        and a.flow = s.flow and a.year = s.year
    where s.share_pct is not null
    union all
    select s.source, a.release, s.reporter_iso3, s.partner_iso3, s.flow, make_date(s.year, 1, 1), make_date(s.year, 12, 31),
        'rank', cast(s.rank as double)
    from {{ ref('partner_shares') }} s
    join annual a on a.source = s.source and a.reporter_iso3 = s.reporter_iso3 and a.partner_iso3 = s.partner_iso3
        and a.flow = s.flow and a.year = s.year
    where s.rank is not null
    union all
    select source, release, reporter_iso3, partner_iso3, flow, span_start, span_end, 'value_usd', value_usd
    from span_levels
    union all
    select c.source, c.release, c.reporter_iso3, c.partner_iso3, c.flow, c.span_start, c.span_end, 'yoy_pct',
        100.0 * (c.value_usd / p.value_usd - 1)
    from span_levels c
    join span_levels p
        on p.source = c.source and p.reporter_iso3 = c.reporter_iso3 and p.partner_iso3 = c.partner_iso3
        and p.flow = c.flow and p.span_start = cast(c.span_start - interval 1 year as date)
        and p.span_end = last_day(cast(c.span_end - interval 1 year as date))
    where p.value_usd > 0
),

candidates as (
    -- the same span as the claim: own series and (levels, growth) the partner's mirror
    select w.claim_id, 'own' as side, s.source, s.release, s.value
    from wanted_flows w
    join series s
        on s.reporter_iso3 = w.reporter_iso3 and s.partner_iso3 = w.partner_iso3 and s.flow = w.flow
        and s.measure = w.measure and s.span_start = w.period_start and s.span_end = w.period_end
    union all
    select w.claim_id, 'mirror', s.source, s.release, s.value
    from wanted_flows w
    join series s
        on s.reporter_iso3 = w.partner_iso3 and s.partner_iso3 = w.reporter_iso3 and s.flow = w.mirror_flow
        and s.measure = w.measure and s.span_start = w.period_start and s.span_end = w.period_end
    where w.measure in ('value_usd', 'yoy_pct')
    -- context for level claims: the full calendar year
    union all
    select w.claim_id, 'year_flow', a.source, a.release, a.value_usd
    from wanted_flows w
    join annual a on a.reporter_iso3 = w.reporter_iso3 and a.partner_iso3 = w.partner_iso3 and a.flow = w.flow and a.year = w.year
    where w.measure = 'value_usd'
    union all
    select w.claim_id, 'year_mirror', a.source, a.release, a.value_usd
    from wanted_flows w
    join annual a on a.reporter_iso3 = w.partner_iso3 and a.partner_iso3 = w.reporter_iso3 and a.flow = w.mirror_flow and a.year = w.year
    where w.measure = 'value_usd'
    union all
    select w.claim_id, 'own_exports', a.source, a.release, a.value_usd
    from wanted_flows w
    join annual a on a.reporter_iso3 = w.reporter_iso3 and a.partner_iso3 = w.partner_iso3 and a.flow = 'exports' and a.year = w.year
    where w.measure = 'value_usd' and w.flow = 'turnover'
    union all
    select w.claim_id, 'partner_exports', a.source, a.release, a.value_usd
    from wanted_flows w
    join annual a on a.reporter_iso3 = w.partner_iso3 and a.partner_iso3 = w.reporter_iso3 and a.flow = 'exports' and a.year = w.year
    where w.measure = 'value_usd' and w.flow = 'turnover'
),

best as (
    select
        c.claim_id,
        c.side,
        {{ arg_min_by(struct_of({'source': 'c.source', 'release': 'c.release', 'value': 'c.value', 'label': 'coalesce(p.label, c.source)'}),
                      ['coalesce(p.precedence, 999)', 'c.source']) }} as pick
    from candidates c
    left join precedence p on p.source = c.source
    group by c.claim_id, c.side
),

pivoted as (
    select
        claim_id,
        {%- for side in ['own', 'mirror', 'year_flow', 'year_mirror', 'own_exports', 'partner_exports'] %}
        max(case when side = '{{ side }}' then pick.value end) as {{ side }}_value,
        max(case when side = '{{ side }}' then pick.source end) as {{ side }}_source,
        max(case when side = '{{ side }}' then pick.release end) as {{ side }}_release,
        max(case when side = '{{ side }}' then pick.label end) as {{ side }}_label{{ ',' if not loop.last }}
        {%- endfor %}
    from best
    group by claim_id
),

final as (
    select
        w.claim_id,
        w.flow,
        w.measure,
        w.year,
        case when w.period_kind = 'year' then cast(w.year as {{ dbt.type_string() }}) else w.period end as statistic_when,
        case when p.own_value is not null then
            case when w.period_kind = 'year' then cast(w.year as {{ dbt.type_string() }}) else w.period end end as reporter_when,
        case when p.mirror_value is not null then
            case when w.period_kind = 'year' then cast(w.year as {{ dbt.type_string() }}) else w.period end end as mirror_when,
        p.own_value as reporter_value,
        p.own_source as reporter_source,
        p.own_release as reporter_release,
        p.own_label as reporter_label,
        p.own_label || ', as ' || w.reporter_iso3 || ' reports' as reporter_series,
        p.mirror_value,
        p.mirror_source,
        p.mirror_release,
        p.mirror_label,
        p.mirror_label || ', as ' || w.partner_iso3 || ' reports' as mirror_series,
        p.year_flow_value,
        p.year_flow_source,
        p.year_flow_release,
        p.year_flow_label,
        p.year_mirror_value,
        p.own_exports_value,
        p.own_exports_source,
        p.own_exports_release,
        p.own_exports_label,
        p.partner_exports_value,
        p.partner_exports_source,
        p.partner_exports_release,
        p.partner_exports_label
    from wanted w
    join pivoted p using (claim_id)
)

select * from final
