-- What a reporter records against what its partner records for the same flow:
-- direction 'exports': reporter's exports (FOB) vs the partner's imports from the reporter (CIF);
-- direction 'imports': reporter's imports (CIF) vs the partner's exports to the reporter (FOB).
-- Only pairs where both sides report to a source present in the warehouse.
with flows as (
    select source, reporter_iso3, partner_iso3, flow, year, value_usd
    from {{ ref('int_trade_flows_unioned') }}
    where product_code = 'TOTAL' and partner_entity_type = 'country'
),

paired as (
    select
        r.source,
        r.reporter_iso3,
        r.partner_iso3,
        r.year,
        r.flow as direction,
        r.value_usd as reported_usd,
        m.value_usd as mirror_usd
    from flows r
    join flows m
        on m.source = r.source
        and m.reporter_iso3 = r.partner_iso3
        and m.partner_iso3 = r.reporter_iso3
        and m.year = r.year
        and m.flow = case r.flow when 'exports' then 'imports' else 'exports' end
),

final as (
    select
        source,
        reporter_iso3,
        partner_iso3,
        year,
        direction,
        reported_usd,
        mirror_usd,
        reported_usd - mirror_usd as gap_usd,
        case when mirror_usd > 0 then 100.0 * (reported_usd - mirror_usd) / mirror_usd end as gap_pct,
        -- the CIF side over the FOB side of the same flow (about 1.05–1.10 in theory)
        case direction
            when 'exports' then case when reported_usd > 0 then mirror_usd / reported_usd end
            else case when mirror_usd > 0 then reported_usd / mirror_usd end
        end as cif_fob_ratio
    from paired
)

select * from final
