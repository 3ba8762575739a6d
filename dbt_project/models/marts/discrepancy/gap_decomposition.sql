-- Why an importer's figure for its imports from a partner (CIF) differs from the partner's figure
-- for its exports to the importer (FOB): the gap split into documented components, attributed in
-- this order, each with its method and inputs in columns:
--   1. revision              later releases' changes to either figure (observed; in full, signed)
--   2. freight and insurance FOB × (CIF/FOB factor − 1): where one side is the IMF's estimate made
--                            from the other side's figure, the factor the IMF used; else the pair's
--                            OECD ITIC margin where one is published; else the IMF's default factor
--                            (an estimate; in full)
--   3. routing via the hubs  goods the exporter shipped to Hong Kong/Macao and the hubs passed on to
--                            the importer, who records them by origin (an upper bound, capped by
--                            the part of the gap still positive)
--   4. unspecified partners  trade either side left as "not specified", allocated pro rata (a bound,
--                            capped by what remains, in the direction of what remains)
--   5. residual              what is left: origin vs consignment, timing, or misreporting
-- The five add up to the gap exactly (residual = gap − the other four). Both directions of every
-- pair where both sides report, from marts.mirror_gaps (direction 'imports').
{%- set hubs = var('routing_hubs') -%}
{%- set hub_list = "('" ~ (hubs | join("', '")) ~ "')" %}
{%- set factors = var('imf_mirror_estimate_factors') %}
{%- set tol = var('mirror_estimate_tolerance_usd') %}

with pairs as (
    select
        source,
        reporter_iso3 as importer_iso3,
        partner_iso3 as exporter_iso3,
        year,
        reported_usd as importer_cif_usd,
        mirror_usd as exporter_fob_usd,
        gap_usd
    from {{ ref('mirror_gaps') }}
    where direction = 'imports'
),

annual as (
    select source, reporter_iso3, partner_iso3, partner_entity_type, flow, year, value_usd
    from {{ ref('int_trade_turnover_computed') }}
    where flow in ('exports', 'imports')
),

-- figures the source marks as estimates (few): the flags of both sides
estimates as (
    select source, reporter_iso3, partner_iso3, flow, year
    from {{ ref('int_trade_turnover_computed') }}
    where is_estimate and flow in ('exports', 'imports')
),

world as (
    select source, reporter_iso3, flow, year, reporter_total_usd
    from {{ ref('int_reporter_totals_selected') }}
    where flow in ('exports', 'imports')
),

-- each reporter's figures for "not specified" partners as a share of its own World total
unspecified as (
    select source, reporter_iso3, flow, year, {{ exact_sum('value_usd') }} as unspecified_usd
    from annual
    where partner_entity_type = 'unspecified'
    group by source, reporter_iso3, flow, year
),

unspecified_shares as (
    select
        w.source,
        w.reporter_iso3,
        w.flow,
        w.year,
        case when w.reporter_total_usd > 0
            then coalesce(u.unspecified_usd, 0) / w.reporter_total_usd end as unspecified_share
    from world w
    left join unspecified u
        on u.source = w.source and u.reporter_iso3 = w.reporter_iso3 and u.flow = w.flow and u.year = w.year
),

-- what each reporter exports to a hub, what each hub itself reports exporting to each partner, and
-- the years each hub reports at all (its own World exports): a hub that reports that year but has
-- no figure for the importer recorded no exports to it
to_hubs as (
    select source, reporter_iso3 as exporter_iso3, partner_iso3 as hub_iso3, year, value_usd as exporter_to_hub_usd
    from annual
    where flow = 'exports' and partner_iso3 in {{ hub_list }}
),

from_hubs as (
    select source, reporter_iso3 as hub_iso3, partner_iso3 as importer_iso3, year, value_usd as hub_to_importer_usd
    from annual
    where flow = 'exports' and reporter_iso3 in {{ hub_list }}
),

hub_years as (
    select source, reporter_iso3 as hub_iso3, year
    from world
    where flow = 'exports' and reporter_iso3 in {{ hub_list }}
),

routing_bounds as (
    select
        p.source,
        p.importer_iso3,
        p.exporter_iso3,
        p.year,
        {{ exact_sum('t.exporter_to_hub_usd') }} as exporter_to_hubs_usd,
        {{ exact_sum('case when y.hub_iso3 is not null then coalesce(h.hub_to_importer_usd, 0) end') }} as hubs_to_importer_usd,
        count(*) as hubs_shipped_to,
        count(y.hub_iso3) as hubs_reporting,
        -- per hub: what the exporter sent it, no more than what the hub reports sending the importer
        -- (when the hub reports that year); else all the exporter sent it
        {{ exact_sum('case when y.hub_iso3 is null then t.exporter_to_hub_usd
                 else least(t.exporter_to_hub_usd, coalesce(h.hub_to_importer_usd, 0)) end') }} as routing_bound_usd
    from pairs p
    join to_hubs t
        on t.source = p.source and t.exporter_iso3 = p.exporter_iso3 and t.year = p.year
        and t.hub_iso3 <> p.importer_iso3
    left join hub_years y
        on y.source = t.source and y.hub_iso3 = t.hub_iso3 and y.year = t.year
    left join from_hubs h
        on h.source = p.source and h.hub_iso3 = t.hub_iso3 and h.importer_iso3 = p.importer_iso3 and h.year = p.year
    group by p.source, p.importer_iso3, p.exporter_iso3, p.year
),

-- the first version of every annual total figure that has more than one version (only those keys
-- are aggregated: a semi-join on the few superseded versions), in the versions' own order (release
-- order, then load time)
annual_versions as (
    select source, reporter_iso3, partner_iso3, flow, year, release, valid_from, value_usd, is_latest
    from {{ ref('int_trade_flows_versioned') }}
    where product_code = 'TOTAL'
      and flow in ('exports', 'imports')
      and period = cast(year as {{ dbt.type_string() }})
),

revised_keys as (
    select distinct source, reporter_iso3, partner_iso3, flow, year
    from annual_versions
    where not is_latest
),

first_versions as (
    select
        v.source,
        v.reporter_iso3,
        v.partner_iso3,
        v.flow,
        v.year,
        {{ arg_min_by('v.value_usd', [release_sort_key('v.release'), 'v.valid_from']) }} as first_value_usd,
        {{ arg_min_by('v.release', [release_sort_key('v.release'), 'v.valid_from']) }} as first_release
    from annual_versions v
    join revised_keys k
        on k.source = v.source and k.reporter_iso3 = v.reporter_iso3 and k.partner_iso3 = v.partner_iso3
        and k.flow = v.flow and k.year = v.year
    group by v.source, v.reporter_iso3, v.partner_iso3, v.flow, v.year
    having not {{ arg_min_by('v.is_latest', [release_sort_key('v.release'), 'v.valid_from']) }}
),

margins as (
    select importer_iso3, exporter_iso3, margin_year, margin_pct_of_cif, cif_fob_factor
    from {{ ref('int_cif_fob_margins_mapped') }}
),

joined as (
    select
        p.source,
        p.importer_iso3,
        p.exporter_iso3,
        p.year,
        p.importer_cif_usd,
        p.exporter_fob_usd,
        p.gap_usd,
        ei.year is not null as importer_is_estimate,
        ex.year is not null as exporter_is_estimate,
        fi.first_value_usd as importer_cif_first_usd,
        fi.first_release as importer_cif_first_release,
        fx.first_value_usd as exporter_fob_first_usd,
        fx.first_release as exporter_fob_first_release,
        m.margin_pct_of_cif,
        m.margin_year,
        m.cif_fob_factor as margin_factor,
        r.exporter_to_hubs_usd,
        r.hubs_to_importer_usd,
        r.hubs_shipped_to,
        r.hubs_reporting,
        coalesce(r.routing_bound_usd, 0) as routing_bound_usd,
        ux.unspecified_share as exporter_unspecified_share,
        ui.unspecified_share as importer_unspecified_share
    from pairs p
    left join estimates ei
        on ei.source = p.source and ei.reporter_iso3 = p.importer_iso3 and ei.partner_iso3 = p.exporter_iso3
        and ei.flow = 'imports' and ei.year = p.year
    left join estimates ex
        on ex.source = p.source and ex.reporter_iso3 = p.exporter_iso3 and ex.partner_iso3 = p.importer_iso3
        and ex.flow = 'exports' and ex.year = p.year
    left join first_versions fi
        on fi.source = p.source and fi.reporter_iso3 = p.importer_iso3 and fi.partner_iso3 = p.exporter_iso3
        and fi.flow = 'imports' and fi.year = p.year
    left join first_versions fx
        on fx.source = p.source and fx.reporter_iso3 = p.exporter_iso3 and fx.partner_iso3 = p.importer_iso3
        and fx.flow = 'exports' and fx.year = p.year
    left join margins m
        on m.importer_iso3 = p.importer_iso3 and m.exporter_iso3 = p.exporter_iso3
    left join routing_bounds r
        on r.source = p.source and r.importer_iso3 = p.importer_iso3 and r.exporter_iso3 = p.exporter_iso3
        and r.year = p.year
    left join unspecified_shares ux
        on ux.source = p.source and ux.reporter_iso3 = p.exporter_iso3 and ux.flow = 'exports' and ux.year = p.year
    left join unspecified_shares ui
        on ui.source = p.source and ui.reporter_iso3 = p.importer_iso3 and ui.flow = 'imports' and ui.year = p.year
),

-- one side an IMF estimate equal to the other side times a factor the IMF uses, within the rounding
-- of its estimates, and only one factor fits (tiny figures fit every factor: no conclusion)
derived as (
    select
        *,
        case
            when not (importer_is_estimate or exporter_is_estimate) then null
            when {% for k in factors %}(case when abs(importer_cif_usd - exporter_fob_usd * {{ k }}) <= {{ tol }} then 1 else 0 end){{ ' + ' if not loop.last }}{% endfor %} <> 1 then null
            {%- for k in factors %}
            when abs(importer_cif_usd - exporter_fob_usd * {{ k }}) <= {{ tol }} then cast({{ k }} as double)
            {%- endfor %}
        end as mirror_estimate_factor
    from joined
),

freight as (
    select
        *,
        case
            when mirror_estimate_factor is not null then 'imf_mirror_estimate'
            when margin_factor is not null then 'oecd_itic_margin'
            else 'imf_default_factor'
        end as freight_method,
        case when mirror_estimate_factor is null then margin_pct_of_cif end as freight_margin_pct_of_cif,
        case when mirror_estimate_factor is null then margin_year end as freight_margin_year,
        coalesce(mirror_estimate_factor, margin_factor, {{ var('cif_fob_default_factor') }}) as cif_fob_factor
    from derived
),

-- 1 and 2: revision and freight, in full
observed as (
    select
        *,
        (importer_cif_usd - coalesce(importer_cif_first_usd, importer_cif_usd))
            - (exporter_fob_usd - coalesce(exporter_fob_first_usd, exporter_fob_usd)) as revision_usd,
        exporter_fob_usd * (cif_fob_factor - 1) as freight_insurance_usd,
        -- pro-rata bounds: a side leaving share s unallocated may understate each partner by value × s / (1 − s)
        case when exporter_unspecified_share > 0 and exporter_unspecified_share < 1
            then exporter_fob_usd * exporter_unspecified_share / (1 - exporter_unspecified_share) else 0 end
            as exporter_unspecified_bound_usd,
        case when importer_unspecified_share > 0 and importer_unspecified_share < 1
            then importer_cif_usd * importer_unspecified_share / (1 - importer_unspecified_share) else 0 end
            as importer_unspecified_bound_usd
    from freight
),

-- 3: routing, only while the gap left after revision and freight is positive, capped by it
routed as (
    select
        *,
        case when gap_usd - revision_usd - freight_insurance_usd > 0
            then least(routing_bound_usd, gap_usd - revision_usd - freight_insurance_usd) else 0 end as routing_usd
    from observed
),

remaining as (
    select *, gap_usd - revision_usd - freight_insurance_usd - routing_usd as after_routing_usd
    from routed
),

-- 4: unspecified partners, in the direction of what remains and capped by it
unspecified_attributed as (
    select
        *,
        case
            when after_routing_usd > 0 then least(exporter_unspecified_bound_usd, after_routing_usd)
            when after_routing_usd < 0 then greatest(-importer_unspecified_bound_usd, after_routing_usd)
            else 0
        end as unspecified_usd,
        case
            when after_routing_usd > 0 then 'exporter_unspecified_pro_rata'
            when after_routing_usd < 0 then 'importer_unspecified_pro_rata'
            else 'none'
        end as unspecified_method
    from remaining
),

final as (
    select
        source,
        importer_iso3,
        exporter_iso3,
        year,
        importer_cif_usd,
        exporter_fob_usd,
        gap_usd,
        case when exporter_fob_usd > 0 then importer_cif_usd / exporter_fob_usd end as cif_fob_ratio,
        case
            when exporter_fob_usd > 0 then importer_cif_usd / exporter_fob_usd < {{ var('cif_fob_ratio_band_low') }}
                or importer_cif_usd / exporter_fob_usd > {{ var('cif_fob_ratio_band_high') }}
            else importer_cif_usd > 0
        end as is_ratio_implausible,
        importer_is_estimate,
        exporter_is_estimate,
        mirror_estimate_factor,
        -- 1. revision
        case when importer_cif_first_usd is null and exporter_fob_first_usd is null
            then 'none' else 'latest_minus_first_version' end as revision_method,
        importer_cif_first_usd,
        importer_cif_first_release,
        exporter_fob_first_usd,
        exporter_fob_first_release,
        revision_usd,
        -- 2. freight and insurance
        freight_method,
        freight_margin_pct_of_cif,
        freight_margin_year,
        cif_fob_factor,
        freight_insurance_usd,
        -- 3. routing through the hubs
        case
            when exporter_to_hubs_usd is null then 'none'
            when hubs_reporting = 0 then 'exporter_to_hubs'
            when hubs_reporting < hubs_shipped_to then 'partly_capped_by_hub_exports'
            else 'capped_by_hub_exports'
        end as routing_method,
        coalesce(hubs_shipped_to, 0) as routing_hubs_shipped_to,
        coalesce(hubs_reporting, 0) as routing_hubs_reporting,
        exporter_to_hubs_usd,
        hubs_to_importer_usd,
        routing_bound_usd,
        routing_usd,
        -- 4. unspecified partners
        unspecified_method,
        exporter_unspecified_share,
        importer_unspecified_share,
        exporter_unspecified_bound_usd,
        importer_unspecified_bound_usd,
        unspecified_usd,
        -- 5. residual
        after_routing_usd - unspecified_usd as residual_usd,
        'origin vs consignment, timing, or misreporting' as residual_label
    from unspecified_attributed
)

select * from final
