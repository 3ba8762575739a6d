-- Growth claims checked by arithmetic on level claims: the level the growth claim's own document
-- gives for the period (else another document's) over the level another document gives for the
-- same period a year earlier. The implied rate is a range, because both levels are rounded to
-- their quoted precision. Also, for each growth claim, another period's growth claim with the same
-- rate (to tell a rate that belongs to another year's series). Where no earlier level agrees, the
-- one most other documents state is shown (a lone outlier is not the reference).
with claims as (
    select * from {{ ref('stg_claims__claims') }}
),

growth as (
    select *, replace(metric, '_yoy_pct', '') as level_metric
    from claims
    where metric like '%!_yoy!_pct' escape '!'
),

levels as (
    select * from claims where metric in ('turnover', 'exports', 'imports')
),

support as (
    -- how many other documents state the same level for the same period (any basis)
    select l.claim_id, count(distinct o.document) as documents_agreeing
    from levels l
    join levels o
        on o.metric = l.metric and o.reporter_iso3 = l.reporter_iso3 and o.partner_iso3 = l.partner_iso3
        and o.period_start = l.period_start and o.period_end = l.period_end and o.document <> l.document
        and abs(l.value_usd - o.value_usd)
            <= greatest({{ var("claim_relative_tolerance") }} * abs(l.value_usd), l.value_half_unit, o.value_half_unit) + 1e-9
    group by l.claim_id
),

pairs as (
    select
        g.claim_id,
        cur.claim_id as level_claim_id,
        cur.value_usd as level_usd,
        prev.claim_id as prev_level_claim_id,
        prev.value_usd as prev_level_usd,
        prev.publisher as prev_publisher,
        prev.published_date as prev_published_date,
        year(prev.period_start) as prev_year,
        100.0 * (cur.value_usd / prev.value_usd - 1) as implied_pct,
        100.0 * ((cur.value_usd - cur.value_half_unit) / (prev.value_usd + prev.value_half_unit) - 1) as implied_low_pct,
        100.0 * ((cur.value_usd + cur.value_half_unit) / (prev.value_usd - prev.value_half_unit) - 1) as implied_high_pct,
        greatest({{ var("claim_relative_tolerance") }} * abs(g.value_pct), g.value_half_unit) as tolerance_pp,
        cur.document = g.document as level_from_same_document,
        coalesce(sp.documents_agreeing, 0) as prev_support,
        g.value_pct
    from growth g
    join levels cur
        on cur.metric = g.level_metric and cur.reporter_iso3 = g.reporter_iso3 and cur.partner_iso3 = g.partner_iso3
        and cur.period_start = g.period_start and cur.period_end = g.period_end
        and (g.basis = 'unknown' or cur.basis in (g.basis, 'unknown'))
    join levels prev
        on prev.metric = g.level_metric and prev.reporter_iso3 = g.reporter_iso3 and prev.partner_iso3 = g.partner_iso3
        and prev.period_start = cast(g.period_start - interval 1 year as date)
        and prev.period_end = last_day(cast(g.period_end - interval 1 year as date))
        and prev.document <> g.document
        and (g.basis = 'unknown' or prev.basis = g.basis)
    left join support sp on sp.claim_id = prev.claim_id
),

scored as (
    select
        *,
        value_pct between implied_low_pct - tolerance_pp and implied_high_pct + tolerance_pp as agrees
    from pairs
),

best_pair as (
    select
        claim_id,
        {{ arg_min_by(
            struct_of(['level_claim_id', 'level_usd', 'prev_level_claim_id', 'prev_level_usd', 'prev_publisher', 'prev_published_date', 'prev_year', 'implied_pct', 'agrees']),
            ['not level_from_same_document', 'not agrees', '-prev_support', 'abs(value_pct - implied_pct)', 'prev_level_claim_id']
        ) }} as best
    from scored
    group by claim_id
),

-- two claims of the same other period may match (2022: +20.7 % and +21.0 %): the claim id decides,
-- as in the article checker, so that every engine names the same one
other_period as (
    select
        g.claim_id,
        {{ arg_min_by(
            struct_of({'claim_id': 'o.claim_id', 'period': 'o.period', 'value_pct': 'o.value_pct', 'publisher': 'o.publisher'}),
            ['o.period_start > g.period_start', 'abs(' ~ dbt.datediff('o.period_start', 'g.period_start', 'day') ~ ')',
             'o.claim_id']
        ) }} as other
    from growth g
    join growth o
        on o.metric = g.metric and o.reporter_iso3 = g.reporter_iso3 and o.partner_iso3 = g.partner_iso3
        and o.period_kind = g.period_kind and o.period_start <> g.period_start
        and abs(o.value_pct - g.value_pct) <= greatest({{ var("claim_relative_tolerance") }} * abs(g.value_pct), g.value_half_unit, o.value_half_unit) + 1e-9
    group by g.claim_id
)

select
    g.claim_id,
    b.best.level_claim_id as level_claim_id,
    b.best.level_usd as level_usd,
    b.best.prev_level_claim_id as prev_level_claim_id,
    b.best.prev_level_usd as prev_level_usd,
    b.best.prev_publisher as prev_publisher,
    b.best.prev_published_date as prev_published_date,
    b.best.prev_year as prev_year,
    b.best.implied_pct as implied_pct,
    b.best.agrees as implied_agrees,
    o.other.claim_id as same_rate_claim_id,
    o.other.period as same_rate_period,
    o.other.value_pct as same_rate_pct
from growth g
left join best_pair b using (claim_id)
left join other_period o using (claim_id)
where b.claim_id is not null or o.claim_id is not null
