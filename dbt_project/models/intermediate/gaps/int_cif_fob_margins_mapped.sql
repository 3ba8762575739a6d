-- Published CIF/FOB margins per importer × exporter (the OECD ITIC seed, ISO2 importers mapped to
-- ISO3) with the CIF/FOB factor they imply. A margin m is a share of the CIF value:
-- CIF − FOB = m × CIF, so CIF = FOB / (1 − m) and the factor is 1 / (1 − m/100).
with margins as (
    select * from {{ ref('oecd_itic_cif_fob_margins_imports_from_chn_2022') }}
),

iso as (
    select iso2, iso3 from {{ ref('stg_reference__country_codes') }}
    where iso2 is not null
),

mapped as (
    select
        iso.iso3 as importer_iso3,
        m.partner_iso3 as exporter_iso3,
        m.reporter_iso2 as importer_iso2,
        m.year as margin_year,
        m.commodity,
        m.measure,
        m.cif_fob_margin_pct as margin_pct_of_cif,
        1.0 / (1.0 - m.cif_fob_margin_pct / 100.0) as cif_fob_factor,
        'oecd_itic' as margin_source
    from margins m
    left join iso on iso.iso2 = m.reporter_iso2
)

select * from mapped
