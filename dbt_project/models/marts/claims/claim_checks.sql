-- One row per claim: the statistic or the other claims it was compared with, the difference, a
-- verdict and one sentence explaining it. Claims are checked, never trusted:
--   confirmed     the IMF DOTS series of the stated basis (the reporter's own, unless the claim says
--                 it uses the partner's statistics) matches within tolerance
--   consistent    no statistic covers it, but other documents' claims agree (levels on the same
--                 basis, or growth implied by their levels)
--   conflicts     the evidence disagrees (also: matches only the other country's series)
--   unverifiable  nothing in the warehouse to compare with
-- Tolerance: max(2 %, half a unit of the last digit quoted) — "1.3 bn" matches 1,250–1,350 mn.

{#- how a value reads in an explanation; KIND is usd | growth | share | rank | count -#}
{%- set show -%}
case KIND
    when 'usd' then 'USD ' || {{ format_fixed('VALUE / 1e6', 1, thousands=true) }} || ' mn'
    when 'growth' then {{ format_fixed('VALUE', 1, sign=true) }} || ' %'
    when 'share' then {{ format_fixed('VALUE', 2) }} || ' %'
    when 'rank' then 'rank ' || {{ format_fixed('VALUE', 0) }}
    else {{ format_fixed('VALUE', 0, thousands=true) }}
end
{%- endset %}

with claims as (
    select
        *,
        case
            when unit like 'USD%' then 'usd'
            when metric like '%!_yoy!_pct' escape '!' then 'growth'
            when unit = 'percent' then 'share'
            when unit = 'rank' then 'rank'
            else 'count'
        end as value_kind
    from {{ ref('stg_claims__claims') }}
),

stats as (
    select * from {{ ref('int_claims_statistics_matched') }}
),

peers as (
    select * from {{ ref('int_claims_peers_compared') }}
),

growth as (
    select * from {{ ref('int_claims_growth_implied') }}
),

coverage as (
    select reporter_iso3, min(year) as first_year, max(year) as last_year
    from {{ ref('partner_shares') }}
    where source = 'imf_dots'
    group by reporter_iso3
),

countries as (
    select iso3, name from {{ ref('dim_countries') }}
),

joined as (
    select
        c.*,
        coalesce(rn.name, c.reporter_iso3) as reporter_name,
        coalesce(pn.name, c.partner_iso3) as partner_name,
        s.claim_id is not null as has_statistic,
        s.year as statistic_year,
        s.reporter_value,
        s.mirror_value,
        s.reporter_series,
        s.mirror_series,
        -- which series the claim should match: the partner's when the claim says it uses them
        c.basis = c.partner_iso3 and s.mirror_series is not null as basis_is_partner,
        greatest({{ var("claim_relative_tolerance") }} * abs(c.value_normalised), c.value_half_unit) + 1e-9 as tolerance,
        p.peers,
        p.peers_agreeing,
        p.agreeing_claim_ids,
        p.disagreeing_claim_ids,
        p.best_peer_claim_id,
        p.best_peer_value,
        p.any_agrees as peers_agree,
        g.level_claim_id,
        g.level_usd,
        g.prev_level_claim_id,
        g.prev_level_usd,
        g.prev_publisher,
        g.prev_year,
        g.implied_pct,
        g.implied_agrees,
        g.same_rate_claim_id,
        g.same_rate_period,
        g.same_rate_pct,
        cov.first_year,
        cov.last_year
    from claims c
    left join stats s using (claim_id)
    left join peers p using (claim_id)
    left join growth g using (claim_id)
    left join coverage cov on cov.reporter_iso3 = c.reporter_iso3
    left join countries rn on rn.iso3 = c.reporter_iso3
    left join countries pn on pn.iso3 = c.partner_iso3
),

sides as (
    select
        *,
        -- the preferred series (stated basis), and the other one
        case when basis_is_partner then mirror_value else reporter_value end as preferred_value,
        case when basis_is_partner then reporter_value else mirror_value end as other_value,
        case when basis_is_partner then mirror_series else reporter_series end as preferred_series,
        case when basis_is_partner then reporter_series else mirror_series end as other_series,
        case when basis_is_partner then partner_name else reporter_name end as preferred_country,
        case when basis_is_partner then reporter_name else partner_name end as other_country
    from joined
),

matched as (
    select
        *,
        abs(value_normalised - preferred_value) <= tolerance as preferred_matches,
        abs(value_normalised - other_value) <= tolerance as other_matches,
        same_rate_claim_id is not null as rate_of_another_year
    from sides
),

judged as (
    select
        *,
        case
            when has_statistic and preferred_value is not null then
                case when preferred_matches then 'confirmed' else 'conflicts' end
            when has_statistic then
                case when other_matches then 'consistent' else 'conflicts' end
            when implied_agrees is not null then
                case when implied_agrees then 'consistent' else 'conflicts' end
            when peers is not null then
                case when peers_agree then 'consistent' else 'conflicts' end
            else 'unverifiable'
        end as verdict,
        case
            when has_statistic then
                case
                    when preferred_value is null then other_series
                    else preferred_series
                end
            when implied_agrees is not null then 'claims ' || level_claim_id || ' / ' || prev_level_claim_id
            when peers is not null then 'claims ' || coalesce(agreeing_claim_ids, disagreeing_claim_ids)
        end as evidence_series,
        case
            when has_statistic then
                case
                    when (preferred_value is null) = basis_is_partner then 'reporter-reported'
                    else 'partner-reported (mirror)'
                end
            when implied_agrees is not null or peers is not null then 'other claims'
        end as evidence_basis,
        case
            when has_statistic then coalesce(preferred_value, other_value)
            when implied_agrees is not null then implied_pct
            when peers is not null then best_peer_value
        end as computed_value
    from matched
),

explained as (
    select
        *,
        -- the claim as quoted ('USD 1.3 bn', '+43 %'), never re-rounded
        case
            when unit = 'USD bn' then 'USD ' || value_as_quoted || ' bn'
            when unit = 'USD mn' then 'USD ' || value_as_quoted || ' mn'
            when unit = 'USD' then 'USD ' || value_as_quoted
            when value_kind = 'growth' then case when value_number >= 0 and value_as_quoted not like '+%' then '+' else '' end || value_as_quoted || ' %'
            when unit = 'percent' then value_as_quoted || ' %'
            when unit = 'rank' then 'rank ' || value_as_quoted
            else value_as_quoted
        end as claimed_text,
        {{ show | replace('VALUE', 'preferred_value') | replace('KIND', 'value_kind') }} as preferred_text,
        {{ show | replace('VALUE', 'other_value') | replace('KIND', 'value_kind') }} as other_text,
        {{ show | replace('VALUE', 'best_peer_value') | replace('KIND', 'value_kind') }} as peer_text,
        {{ show | replace('VALUE', 'same_rate_pct') | replace('KIND', "'growth'") }} as same_rate_text,
        {{ show | replace('VALUE', 'implied_pct') | replace('KIND', "'growth'") }} as implied_text,
        {{ show | replace('VALUE', 'level_usd') | replace('KIND', "'usd'") }} as level_text,
        {{ show | replace('VALUE', 'prev_level_usd') | replace('KIND', "'usd'") }} as prev_level_text
    from judged
),

final as (
    select
        claim_id,
        document,
        publisher,
        published_date,
        quote,
        metric,
        reporter_iso3,
        partner_iso3,
        period,
        period_kind,
        period_start,
        period_end,
        value_normalised as claimed_value,
        unit,
        basis as stated_basis,
        evidence_basis,
        evidence_series,
        computed_value,
        case when computed_value <> 0 then 100.0 * (value_normalised - computed_value) / abs(computed_value) end as diff_pct,
        verdict,
        case
            -- compared with the IMF series
            when has_statistic and preferred_value is not null and preferred_matches then
                claimed_text || ' matches the ' || statistic_year || ' figure ' || preferred_country
                || ' reports in IMF DOTS (' || preferred_text || ')'
                || case when basis_is_partner then ', the statistics the claim says it uses' else '' end
                || case when other_value is not null
                    then '; the figure ' || other_country || ' reports for the same trade is ' || other_text else '' end
                || '.'
            when has_statistic and preferred_value is not null and other_matches then
                claimed_text || ' matches the series ' || other_country || ' reports (' || other_text
                || '), not the one ' || preferred_country || ' reports (' || preferred_text || ') in IMF DOTS for '
                || statistic_year || '.'
            when has_statistic and preferred_value is not null then
                claimed_text || ' differs from the ' || statistic_year || ' figure ' || preferred_country
                || ' reports in IMF DOTS (' || preferred_text || ')'
                || case when other_value is not null then ' and from the one ' || other_country || ' reports (' || other_text || ')' else '' end
                || case when rate_of_another_year then '; it matches the growth claimed for ' || same_rate_period
                    || ' (' || same_rate_text || ', ' || same_rate_claim_id || '): the growth rate belongs to another year''s series' else '' end
                || '.'
            when has_statistic then
                claimed_text || case when other_matches then ' matches' else ' differs from' end
                || ' the only IMF DOTS figure for ' || statistic_year || ', the one ' || other_country
                || ' reports (' || other_text || '); ' || preferred_country || ' reports none.'
            -- growth checked by arithmetic on other claims' levels
            when implied_agrees then
                claimed_text || ' agrees with the levels stated: ' || level_text || ' (' || level_claim_id || ') against '
                || prev_level_text || ' for ' || prev_year || ' (' || prev_level_claim_id
                || case when prev_publisher not in ('unknown', 'not stated in the document') then ', ' || prev_publisher else '' end || ') is ' || implied_text || '; the evidence is only other official statements, IMF DOTS in the warehouse ends in '
                || coalesce(cast(last_year as {{ dbt.type_string() }}), 'an earlier year') || '.'
            when implied_agrees is not null then
                claimed_text || ' does not follow from the levels: ' || level_text || ' (' || level_claim_id || ') against '
                || prev_level_text || ' stated for ' || prev_year || ' (' || prev_level_claim_id
                || case when prev_publisher not in ('unknown', 'not stated in the document') then ', ' || prev_publisher else '' end || ') is ' || implied_text
                || case when rate_of_another_year then '; ' || claimed_text || ' matches the growth claimed for ' || same_rate_period
                    || ' (' || same_rate_text || ', ' || same_rate_claim_id || '): the growth rate belongs to another year''s series' else '' end
                || '.'
            -- other documents' claims for the same period
            when peers_agree then
                claimed_text || ' agrees with ' || peers_agreeing || ' other document(s) for ' || period || ' ('
                || agreeing_claim_ids || ')'
                || case when disagreeing_claim_ids is not null then ' but not with ' || disagreeing_claim_ids else '' end
                || '; no statistic in the warehouse covers it, so the evidence is only other statements.'
            when peers is not null then
                claimed_text || ' is ' || {{ format_fixed('abs(100.0 * (value_normalised - best_peer_value) / best_peer_value)', 1) }} || ' %'
                || case when value_normalised < best_peer_value then ' below' else ' above' end
                || ' the ' || peer_text || ' other documents state for ' || period || ' (' || disagreeing_claim_ids
                || '); no statistic in the warehouse covers it, and the documents cannot all be right.'
            -- nothing to compare with
            when metric like 'companies!_%' escape '!' or metric like 'fdi!_%' escape '!' then
                'No registry/FDI series in the warehouse for this period, and no other document states this figure for the same '
                || period_kind || ' on the same basis.'
            when metric in ('agreements_value', 'agreements_count', 'investment_total') then
                'No statistic in the warehouse covers ' || replace(metric, '_', ' ')
                || ', and no other document states this figure for the same period.'
            when period_kind <> 'year' then
                'IMF DOTS in the warehouse is annual, and no other document states a figure for this partial period ('
                || period || ').'
            when last_year is not null and year(period_start) > last_year then
                'IMF DOTS in the warehouse covers ' || reporter_name || ' up to ' || last_year
                || ', and no other document states this figure for ' || period || ' on the same basis.'
            else 'No statistic in the warehouse and no other document''s claim to compare with.'
        end as explanation
    from explained
)

select * from final
