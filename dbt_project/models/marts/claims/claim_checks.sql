-- One row per claim: the evidence it was judged on (its source and release), the difference, a
-- verdict and one sentence explaining it. Claims are checked, never trusted. Which evidence decides
-- follows the precedence of the claim's stated basis (seed evidence_precedence): the statistics the
-- basis country reports, then statements on the same basis, then the other country's statistics;
-- within statistics, sources follow their precedence (seed dim_sources). Every statistic in the warehouse counts
-- (IMF IMTS, UN Comtrade, IMF DOTS, FDI, company counts), for the same span only:
--   confirmed     a statistic on the stated basis matches within tolerance
--   consistent    statements on the same basis agree (levels, or growth implied by their levels),
--                 or the only statistic is the other side's and matches it
--   conflicts     the deciding evidence disagrees (also: matches only the other country's series)
--   unverifiable  nothing of the same span to compare with (the explanation names what there is:
--                 a full-year figure for a part-year claim, one side's exports for a turnover, the
--                 statement a figure was itself taken from)
-- Tolerance: the rule var claim_relative_tolerance (or half a unit of the last digit quoted) —
-- "1.3 bn" matches 1,250–1,350 mn.

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
{%- set usd -%}'USD ' || {{ format_fixed('VALUE / 1e6', 1, thousands=true) }} || ' mn'{%- endset %}

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

trade as (
    select * from {{ ref('int_claims_statistics_matched') }}
),

investment as (
    select * from {{ ref('int_claims_investment_matched') }}
),

stats as (
    select
        claim_id, statistic_when, reporter_when, mirror_when,
        reporter_value, reporter_source, reporter_release, reporter_label, reporter_series,
        cast(null as {{ dbt.type_string() }}) as reporter_note,
        mirror_value, mirror_source, mirror_release, mirror_label, mirror_series,
        year_flow_value, year_flow_source, year_flow_release, year_flow_label, year_mirror_value,
        own_exports_value, own_exports_source, own_exports_release, own_exports_label,
        partner_exports_value, partner_exports_source, partner_exports_release, partner_exports_label,
        cast(null as {{ dbt.type_string() }}) as restated_source,
        cast(null as {{ dbt.type_string() }}) as restated_release,
        cast(null as double) as restated_value,
        cast(null as {{ dbt.type_string() }}) as restated_when,
        cast(null as {{ dbt.type_string() }}) as restated_label,
        cast(null as {{ dbt.type_string() }}) as restated_url
    from trade
    union all
    select
        claim_id, statistic_when, reporter_when, mirror_when,
        reporter_value, reporter_source, reporter_release, reporter_label, reporter_series, reporter_note,
        mirror_value, mirror_source, mirror_release, mirror_label, mirror_series,
        cast(null as double), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as double),
        cast(null as double), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as double), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        restated_source, restated_release, restated_value, restated_when, restated_label, restated_url
    from investment
),

peers as (
    select * from {{ ref('int_claims_peers_compared') }}
),

growth as (
    select * from {{ ref('int_claims_growth_implied') }}
),

coverage as (
    -- how far the statistics reach for each reporter: its trade figures, and its shares and ranks
    select
        t.reporter_iso3,
        max(t.year) as last_year,
        {{ arg_max_by('coalesce(p.name, t.source)', ['t.year', '-coalesce(p.precedence, 999)']) }} as last_label
    from {{ ref('int_trade_turnover_computed') }} t
    left join {{ ref('dim_sources') }} p on p.domain = 'trade' and p.source = t.source
    where t.reporter_iso3 in (select reporter_iso3 from claims)
    group by t.reporter_iso3
),

share_coverage as (
    select
        s.reporter_iso3,
        max(s.year) as last_share_year,
        {{ arg_max_by('coalesce(p.name, s.source)', ['s.year', '-coalesce(p.precedence, 999)']) }} as last_share_label
    from {{ ref('partner_shares') }} s
    left join {{ ref('dim_sources') }} p on p.domain = 'trade' and p.source = s.source
    where s.reporter_iso3 in (select reporter_iso3 from claims)
    group by s.reporter_iso3
),

countries as (
    select iso3, name from {{ ref('dim_countries') }}
),

precedence as (
    select * from {{ ref('evidence_precedence') }}
),

ranked as (
    -- the claim's basis resolved to its pair: which side each rank of evidence is
    select
        c.claim_id,
        p.rank,
        case
            when p.evidence = 'statement' then 'statements'
            when p.reported_by in ('reporter', c.reporter_iso3) then 'own'
            when p.reported_by in ('partner', c.partner_iso3) then 'mirror'
            when p.reported_by = 'other' then 'other'
        end as side
    from claims c
    join precedence p on p.basis = c.basis
),

sides_ranked as (
    select
        r.claim_id,
        r.rank,
        case
            when r.side = 'other' then case f.side when 'own' then 'mirror' when 'mirror' then 'own' end
            else r.side
        end as side
    from ranked r
    left join ranked f on f.claim_id = r.claim_id and f.rank = 1
),

joined as (
    select
        c.*,
        coalesce(rn.name, c.reporter_iso3) as reporter_name,
        coalesce(pn.name, c.partner_iso3) as partner_name,
        s.statistic_when,
        s.reporter_when,
        s.mirror_when,
        s.reporter_value,
        s.reporter_source,
        s.reporter_release,
        s.reporter_label,
        s.reporter_series,
        s.reporter_note,
        s.mirror_value,
        s.mirror_source,
        s.mirror_release,
        s.mirror_label,
        s.mirror_series,
        s.year_flow_value,
        s.year_flow_source,
        s.year_flow_release,
        s.year_flow_label,
        s.year_mirror_value,
        s.own_exports_value,
        s.own_exports_source,
        s.own_exports_release,
        s.own_exports_label,
        s.partner_exports_value,
        s.partner_exports_source,
        s.partner_exports_release,
        s.partner_exports_label,
        s.restated_source,
        s.restated_release,
        s.restated_value,
        s.restated_when,
        s.restated_label,
        s.restated_url,
        greatest({{ var("claim_relative_tolerance") }} * abs(c.value_normalised), c.value_half_unit) + 1e-9 as tolerance,
        p.peers,
        p.peers_agreeing,
        p.agreeing_claim_ids,
        p.disagreeing_claim_ids,
        p.best_peer_claim_id,
        p.best_peer_value,
        p.best_peer_published_date,
        p.any_agrees as peers_agree,
        g.level_claim_id,
        g.level_usd,
        g.prev_level_claim_id,
        g.prev_level_usd,
        g.prev_publisher,
        g.prev_published_date,
        g.prev_year,
        g.implied_pct,
        g.implied_agrees,
        g.same_rate_claim_id,
        g.same_rate_period,
        g.same_rate_pct,
        cov.last_year,
        cov.last_label,
        sc.last_share_year,
        sc.last_share_label,
        coalesce(b.side, 'own') as basis_side
    from claims c
    left join stats s using (claim_id)
    left join peers p using (claim_id)
    left join growth g using (claim_id)
    left join coverage cov on cov.reporter_iso3 = c.reporter_iso3
    left join share_coverage sc on sc.reporter_iso3 = c.reporter_iso3
    left join countries rn on rn.iso3 = c.reporter_iso3
    left join countries pn on pn.iso3 = c.partner_iso3
    left join sides_ranked b on b.claim_id = c.claim_id and b.rank = 1 and b.side in ('own', 'mirror')
),

decided as (
    -- the first rank (of the claim's basis) for which there is evidence
    select
        r.claim_id,
        {{ arg_min_by('r.side', 'r.rank') }} as decided_side
    from sides_ranked r
    join joined j on j.claim_id = r.claim_id
    where (r.side = 'own' and j.reporter_value is not null)
       or (r.side = 'mirror' and j.mirror_value is not null)
       or (r.side = 'statements' and (j.implied_agrees is not null or j.peers is not null))
    group by r.claim_id
),

sides as (
    select
        j.*,
        d.decided_side,
        -- the series of the stated basis, and the other one
        j.basis_side = 'mirror' as basis_is_partner,
        case when j.basis_side = 'mirror' then j.mirror_value else j.reporter_value end as preferred_value,
        case when j.basis_side = 'mirror' then j.reporter_value else j.mirror_value end as other_value,
        case when j.basis_side = 'mirror' then j.mirror_series else j.reporter_series end as preferred_series,
        case when j.basis_side = 'mirror' then j.reporter_series else j.mirror_series end as other_series,
        case when j.basis_side = 'mirror' then j.mirror_label else j.reporter_label end as preferred_label,
        case when j.basis_side = 'mirror' then j.reporter_label else j.mirror_label end as other_label,
        case when j.basis_side = 'mirror' then j.mirror_source else j.reporter_source end as preferred_source,
        case when j.basis_side = 'mirror' then j.reporter_source else j.mirror_source end as other_source,
        case when j.basis_side = 'mirror' then j.mirror_release else j.reporter_release end as preferred_release,
        case when j.basis_side = 'mirror' then j.reporter_release else j.mirror_release end as other_release,
        case when j.basis_side = 'mirror' then j.mirror_when else j.reporter_when end as preferred_when,
        case when j.basis_side = 'mirror' then j.reporter_when else j.mirror_when end as other_when,
        case when j.basis_side = 'mirror' then j.partner_name else j.reporter_name end as preferred_country,
        case when j.basis_side = 'mirror' then j.reporter_name else j.partner_name end as other_country,
        d.decided_side is not null and d.decided_side = j.basis_side as decided_by_basis,
        d.decided_side is not null and d.decided_side in ('own', 'mirror') and d.decided_side <> j.basis_side as decided_by_other_side
    from joined j
    left join decided d on d.claim_id = j.claim_id
),

matched as (
    select
        *,
        abs(value_normalised - preferred_value) <= tolerance as preferred_matches,
        abs(value_normalised - other_value) <= tolerance as other_matches,
        same_rate_claim_id is not null as rate_of_another_year,
        -- context a verdict may name but never rests on: each side's exports, where neither side's
        -- turnover for the calendar year is in the warehouse
        metric = 'turnover' and year_flow_value is null and year_mirror_value is null
            and (own_exports_value is not null or partner_exports_value is not null) as has_components,
        period_kind in ('quarter', 'months') as is_part_year
    from sides
),

judged as (
    select
        *,
        case
            when decided_by_basis then case when preferred_matches then 'confirmed' else 'conflicts' end
            when decided_by_other_side then case when other_matches then 'consistent' else 'conflicts' end
            when decided_side = 'statements' and implied_agrees is not null then
                case when implied_agrees then 'consistent' else 'conflicts' end
            when decided_side = 'statements' then case when peers_agree then 'consistent' else 'conflicts' end
            else 'unverifiable'
        end as verdict,
        case
            when decided_by_basis then preferred_series
            when decided_by_other_side then other_series
            when decided_side = 'statements' and implied_agrees is not null then 'claims ' || level_claim_id || ' / ' || prev_level_claim_id
            when decided_side = 'statements' then 'claims ' || coalesce(agreeing_claim_ids, disagreeing_claim_ids)
            when restated_source is not null then restated_label || ' (the claim''s own statement)'
            when has_components then coalesce(own_exports_label, partner_exports_label) || ', exports of each side'
            when is_part_year and year_flow_value is not null then year_flow_label || ', full year'
        end as evidence_series,
        case
            when decided_by_basis then case when basis_is_partner then 'partner-reported (mirror)' else 'reporter-reported' end
            when decided_by_other_side then case when basis_is_partner then 'reporter-reported' else 'partner-reported (mirror)' end
            when decided_side = 'statements' then 'other claims'
            when restated_source is not null or has_components or (is_part_year and year_flow_value is not null) then 'context only'
        end as evidence_basis,
        case
            when decided_by_basis then preferred_source
            when decided_by_other_side then other_source
            when decided_side = 'statements' then 'claims'
            when restated_source is not null then restated_source
            when has_components then coalesce(own_exports_source, partner_exports_source)
            when is_part_year and year_flow_value is not null then year_flow_source
        end as evidence_source,
        case
            when decided_by_basis then preferred_release
            when decided_by_other_side then other_release
            when decided_side = 'statements' and implied_agrees is not null then prev_published_date
            when decided_side = 'statements' then best_peer_published_date
            when restated_source is not null then restated_release
            when has_components then coalesce(own_exports_release, partner_exports_release)
            when is_part_year and year_flow_value is not null then year_flow_release
        end as evidence_release,
        case
            when decided_by_basis then preferred_value
            when decided_by_other_side then other_value
            when decided_side = 'statements' and implied_agrees is not null then implied_pct
            when decided_side = 'statements' then best_peer_value
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
        {{ show | replace('VALUE', 'restated_value') | replace('KIND', 'value_kind') }} as restated_text,
        {{ show | replace('VALUE', 'same_rate_pct') | replace('KIND', "'growth'") }} as same_rate_text,
        {{ show | replace('VALUE', 'implied_pct') | replace('KIND', "'growth'") }} as implied_text,
        {{ show | replace('VALUE', 'level_usd') | replace('KIND', "'usd'") }} as level_text,
        {{ show | replace('VALUE', 'prev_level_usd') | replace('KIND', "'usd'") }} as prev_level_text,
        -- what the statistics hold around the claim, named but never compared with it
        case when has_components then
            '; for ' || case when period_kind in ('quarter', 'months') then 'the full year ' else '' end
            || cast(year(period_start) as {{ dbt.type_string() }}) || ' the warehouse holds only exports, each as its exporter reports it: '
            || concat_ws('; ',
                case when own_exports_value is not null then reporter_name || '''s to ' || partner_name || ' '
                    || {{ usd | replace('VALUE', 'own_exports_value') }} || ' (' || own_exports_label || ')' end,
                case when partner_exports_value is not null then partner_name || '''s to ' || reporter_name || ' '
                    || {{ usd | replace('VALUE', 'partner_exports_value') }} || ' (' || partner_exports_label || ')' end)
            || ', which is no turnover on either side'
            || case when period_kind in ('quarter', 'months') then ' (full-year figures, which a part-year figure is never compared with)' else '' end
        else '' end as components_text,
        case when is_part_year and year_flow_value is not null then
            '; the warehouse''s ' || cast(year(period_start) as {{ dbt.type_string() }}) || ' figure is for the full year ('
            || {{ usd | replace('VALUE', 'year_flow_value') }} || ', ' || year_flow_label || ', as ' || reporter_name
            || ' reports it), which a part-year figure is never compared with'
        else '' end as full_year_text
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
            -- a statistic of the stated basis
            when decided_by_basis and preferred_matches then
                claimed_text || ' matches the ' || preferred_when || ' figure ' || preferred_country
                || ' reports in ' || preferred_label || ' (' || preferred_text || ')'
                || case when basis_is_partner then ', the statistics the claim says it uses' else '' end
                || case when other_value is not null
                    then '; the figure ' || other_country || ' reports for the same trade is ' || other_text else '' end
                || coalesce('; ' || reporter_note, '')
                || '.'
            when decided_by_basis and other_matches then
                claimed_text || ' matches the series ' || other_country || ' reports (' || other_text
                || '), not the one ' || preferred_country || ' reports (' || preferred_text || ') in ' || preferred_label || ' for '
                || preferred_when || '.'
            when decided_by_basis then
                claimed_text || ' differs from the ' || preferred_when || ' figure ' || preferred_country
                || ' reports in ' || preferred_label || ' (' || preferred_text || ')'
                || case when other_value is not null then ' and from the one ' || other_country || ' reports (' || other_text || ')' else '' end
                || case when rate_of_another_year then '; it matches the growth claimed for ' || same_rate_period
                    || ' (' || same_rate_text || ', ' || same_rate_claim_id || '): the growth rate belongs to another year''s series' else '' end
                || coalesce('; ' || reporter_note, '')
                || '.'
            -- only the other country's statistic
            when decided_by_other_side then
                claimed_text || case when other_matches then ' matches' else ' differs from' end
                || ' the only ' || other_label || ' figure for ' || other_when || ', the one ' || other_country
                || ' reports (' || other_text || '); ' || preferred_country || ' reports none.'
            -- growth checked by arithmetic on other claims' levels
            when decided_side = 'statements' and implied_agrees then
                claimed_text || ' agrees with the levels stated: ' || level_text || ' (' || level_claim_id || ') against '
                || prev_level_text || ' for ' || prev_year || ' (' || prev_level_claim_id
                || case when prev_publisher not in ('unknown', 'not stated in the document') then ', ' || prev_publisher else '' end || ') is ' || implied_text
                || '; the evidence is only other official statements: no statistic in the warehouse gives this growth'
                || case when other_value is not null then ' on ' || preferred_country || '''s basis (' || other_country
                    || ' reports ' || other_text || ')' else '' end
                || '.'
            when decided_side = 'statements' and implied_agrees is not null then
                claimed_text || ' does not follow from the levels: ' || level_text || ' (' || level_claim_id || ') against '
                || prev_level_text || ' stated for ' || prev_year || ' (' || prev_level_claim_id
                || case when prev_publisher not in ('unknown', 'not stated in the document') then ', ' || prev_publisher else '' end || ') is ' || implied_text
                || case when rate_of_another_year then '; ' || claimed_text || ' matches the growth claimed for ' || same_rate_period
                    || ' (' || same_rate_text || ', ' || same_rate_claim_id || '): the growth rate belongs to another year''s series' else '' end
                || '.'
            -- other documents' claims for the same span
            when decided_side = 'statements' and peers_agree then
                claimed_text || ' agrees with ' || peers_agreeing || ' other document(s) for ' || period || ' ('
                || agreeing_claim_ids || ')'
                || case when disagreeing_claim_ids is not null then ' but not with ' || disagreeing_claim_ids else '' end
                || '; no statistic in the warehouse covers it on its basis, so the evidence is only other statements'
                || case when other_value is not null then ' (' || other_country || ' reports ' || other_text || ' for the same trade)' else '' end
                || components_text || full_year_text || '.'
            when decided_side = 'statements' then
                claimed_text || ' is ' || {{ format_fixed('abs(100.0 * (value_normalised - best_peer_value) / best_peer_value)', 1) }} || ' %'
                || case when value_normalised < best_peer_value then ' below' else ' above' end
                || ' the ' || peer_text || ' other documents state for ' || period || ' (' || disagreeing_claim_ids
                || '); no statistic in the warehouse covers it on its basis, and the documents cannot all be right'
                || components_text || full_year_text || '.'
            -- nothing of the same span to compare with
            when restated_source is not null then
                claimed_text || ' restates the statement the warehouse''s ' || restated_label || ' figure comes from ('
                || restated_when || ': ' || restated_text || coalesce(', ' || restated_url, '')
                || '): a statement cannot confirm itself, and no other statistic or document covers ' || period || '.'
            when (metric like 'fdi!_%' escape '!') and period_kind <> 'year' and metric <> 'fdi_stock' then
                'FDI statistics in the warehouse are annual, and no other document states a figure for this partial period ('
                || period || ').'
            when metric like 'companies!_%' escape '!' or metric like 'fdi!_%' escape '!' then
                'No registry/FDI series in the warehouse for this period, and no other document states this figure for the same '
                || period_kind || ' on the same basis.'
            when metric in ('agreements_value', 'agreements_count', 'investment_total') then
                'No statistic in the warehouse covers ' || replace(metric, '_', ' ')
                || ', and no other document states this figure for the same period.'
            when is_part_year then
                'No statistic in the warehouse covers this partial period (' || period || ') — its trade statistics are '
                || 'annual — and no other document states a figure for it' || components_text || full_year_text || '.'
            when has_components then
                'No statistic in the warehouse gives the ' || metric || ' between ' || reporter_name || ' and ' || partner_name
                || ' for ' || period || ' on either side, and no other document states this figure on the same basis'
                || components_text || '.'
            when metric like '%!_share!_pct' escape '!' or metric like '%rank' then
                case when last_share_year is not null then
                    'Shares and ranks need the reporter''s World total: the warehouse has ' || reporter_name || '''s up to '
                    || last_share_year || ' (' || last_share_label || '), and no other document states this figure for '
                    || period || ' on the same basis.'
                else 'No statistic in the warehouse gives ' || reporter_name || '''s shares or ranks, and no other document states this figure for '
                    || period || ' on the same basis.' end
            when last_year is not null and year(period_start) > last_year then
                'The statistics in the warehouse cover ' || reporter_name || '''s trade up to ' || last_year
                || ' (' || last_label || '), and no other document states this figure for ' || period || ' on the same basis.'
            when metric in ('turnover', 'exports', 'imports') or metric like '%!_yoy!_pct' escape '!' then
                'No statistic in the warehouse gives this figure (' || reporter_name || ', ' || replace(metric, '_', ' ')
                || ', partner ' || partner_name || ', ' || period || '), and no other document states it on the same basis.'
            else 'No statistic in the warehouse and no other document''s claim to compare with.'
        end as explanation,
        evidence_source,
        evidence_release
    from explained
)

select * from final
