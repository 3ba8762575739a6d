-- Every bounded component of marts.gap_decomposition stays within its bound and the method columns
-- say what was done: routing in [0, routing_bound_usd] and only on a positive remainder; the
-- unspecified component within the bound of the side it comes from; freight never negative; the
-- revision zero when no later version exists.
select *
from {{ ref('gap_decomposition') }}
where routing_usd < 0
   or routing_usd > routing_bound_usd * (1 + 1e-12)
   or (routing_usd > 0 and routing_method = 'none')
   or unspecified_usd > exporter_unspecified_bound_usd * (1 + 1e-12)
   or -unspecified_usd > importer_unspecified_bound_usd * (1 + 1e-12)
   or (unspecified_usd > 0 and unspecified_method <> 'exporter_unspecified_pro_rata')
   or (unspecified_usd < 0 and unspecified_method <> 'importer_unspecified_pro_rata')
   or freight_insurance_usd < 0
   or (revision_method = 'none' and revision_usd <> 0)
   or (freight_method = 'oecd_itic_margin' and freight_margin_pct_of_cif is null)
