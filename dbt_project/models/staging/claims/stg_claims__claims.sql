-- The current claims with their period parsed into dates and their value normalised to one unit
-- per kind (US dollars, percent, count, rank), with the precision the figure was quoted to.
with source as (
    select s.*, {{ lineage_columns('lineage') }}
    from {{ source('raw', 'claims') }} s
    join {{ source('audit', 'load_log') }} lineage using (load_id)
    where lineage.is_current
),

parsed as (
    select
        *,
        case
            when {{ regex_full_match('period', '[0-9]{4}') }} then 'year'
            when {{ regex_full_match('period', '[0-9]{4}-Q[1-4]') }} then 'quarter'
            when {{ regex_full_match('period', '[0-9]{4}-[0-9]{2}[.][.][0-9]{4}-[0-9]{2}') }} then 'months'
            when {{ regex_full_match('period', '[0-9]{4}-[0-9]{2}-[0-9]{2}') }} then 'date'
        end as period_kind,
        cast(value as double) as value_number,
        -- half a unit of the last quoted digit: '1.3' → 0.05, '43' → 0.5
        0.5 * power(10, -length(split_part(value, '.', 2))) as half_last_digit,
        case unit when 'USD bn' then 1e9 when 'USD mn' then 1e6 when 'USD' then 1 end as usd_per_unit
    from source
),

dated as (
    select
        *,
        case period_kind
            when 'year' then make_date(cast(period as integer), 1, 1)
            when 'quarter' then make_date(cast(left(period, 4) as integer), 3 * cast(right(period, 1) as integer) - 2, 1)
            when 'months' then make_date(cast(left(period, 4) as integer), cast(substr(period, 6, 2) as integer), 1)
            when 'date' then cast(period as date)
        end as period_start,
        case period_kind
            when 'year' then make_date(cast(period as integer), 12, 31)
            when 'quarter' then last_day(make_date(cast(left(period, 4) as integer), 3 * cast(right(period, 1) as integer), 1))
            when 'months' then last_day(make_date(cast(substr(period, 10, 4) as integer), cast(substr(period, 15, 2) as integer), 1))
            when 'date' then cast(period as date)
        end as period_end
    from parsed
),

renamed as (
    select
        claim_id,
        document,
        publisher,
        published_date,
        case
            when {{ regex_full_match('published_date', '[0-9]{4}-[0-9]{2}-[0-9]{2}') }} then cast(published_date as date)
            when {{ regex_full_match('published_date', '[0-9]{4}-[0-9]{2}') }} then cast(published_date || '-01' as date)
            when {{ regex_full_match('published_date', '[0-9]{4}') }} then make_date(cast(published_date as integer), 1, 1)
        end as published_on,
        quote,
        metric,
        reporter_iso3,
        partner_iso3,
        period,
        period_kind,
        period_start,
        period_end,
        value as value_as_quoted,
        value_number,
        unit,
        value_number * usd_per_unit as value_usd,
        case when unit = 'percent' then value_number end as value_pct,
        case when unit = 'count' then value_number end as value_count,
        case when unit = 'rank' then cast(value_number as integer) end as value_rank,
        coalesce(value_number * usd_per_unit, value_number) as value_normalised,
        case when unit = 'rank' then 0 else half_last_digit * coalesce(usd_per_unit, 1) end as value_half_unit,
        basis,
        basis_note,
        source_file,
        file_sha256,
        source_row,
        loaded_at
    from dated
)

select * from renamed
