-- Every claim compared with the claims other documents make for the same metric, reporter,
-- partner and period on a compatible basis (the same basis; any basis when the claim's is unknown).
-- A peer agrees when the two values differ by no more than max(2 %, half a unit of the last digit
-- quoted by either).
with claims as (
    select * from {{ ref('stg_claims__claims') }}
),

pairs as (
    select
        c.claim_id,
        o.claim_id as peer_claim_id,
        o.document as peer_document,
        o.publisher as peer_publisher,
        o.published_date as peer_published_date,
        o.value_normalised as peer_value,
        abs(c.value_normalised - o.value_normalised) as abs_diff,
        abs(c.value_normalised - o.value_normalised)
            <= greatest({{ var("claim_relative_tolerance") }} * abs(c.value_normalised), c.value_half_unit, o.value_half_unit) + 1e-9 as agrees
    from claims c
    join claims o
        on o.metric = c.metric and o.reporter_iso3 = c.reporter_iso3 and o.partner_iso3 = c.partner_iso3
        and o.period_start = c.period_start and o.period_end = c.period_end
        and o.document <> c.document
        and (c.basis = 'unknown' or o.basis = c.basis)
)

select
    claim_id,
    count(*) as peers,
    count(*) filter (where agrees) as peers_agreeing,
    {{ string_agg_ordered('peer_claim_id', ', ', where='agrees') }} as agreeing_claim_ids,
    {{ string_agg_ordered('peer_claim_id', ', ', where='not agrees') }} as disagreeing_claim_ids,
    -- the closest agreeing peer, else the closest peer
    {{ arg_min_by('peer_claim_id', ['not agrees', 'abs_diff']) }} as best_peer_claim_id,
    {{ arg_min_by('peer_value', ['not agrees', 'abs_diff']) }} as best_peer_value,
    {{ arg_min_by('peer_publisher', ['not agrees', 'abs_diff']) }} as best_peer_publisher,
    {{ arg_min_by('peer_published_date', ['not agrees', 'abs_diff']) }} as best_peer_published_date,
    bool_or(agrees) as any_agrees
from pairs
group by claim_id
