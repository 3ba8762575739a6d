-- Members of each country group (the country_groups seed) with the calendar years they count in:
-- a country counts in a year when it was a member on 31 December of that year (accession in May
-- 2004 counts for 2004; the United Kingdom, a member until 31 January 2020, counts up to 2019).
-- Members without dates count in every year.
with groups as (
    select * from {{ ref('country_groups') }}
),

dated as (
    select
        group_code,
        group_name,
        member_iso3,
        member_from,
        member_until,
        cast(extract(year from member_from) as integer) as first_year,
        case
            when member_until is null then null
            when extract(month from member_until) = 12 and extract(day from member_until) = 31
                then cast(extract(year from member_until) as integer)
            else cast(extract(year from member_until) as integer) - 1
        end as last_year
    from groups
)

select * from dated
