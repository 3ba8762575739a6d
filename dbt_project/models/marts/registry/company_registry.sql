-- Companies of an origin registered / active in a host country on each published date, the
-- active ratio and the change since the previous published figure for the same host and origin.
with counts as (
    select * from {{ ref('stg_registry__company_counts') }}
),

lagged as (
    select
        *,
        lag(as_of_date) over w as prev_as_of_date,
        lag(registered) over w as prev_registered,
        lag(active) over w as prev_active
    from counts
    window w as (partition by host_iso3, origin_iso3 order by as_of_date)
),

final as (
    select
        host_iso3,
        origin_iso3,
        as_of_date,
        registered,
        active,
        case when registered > 0 and active is not null then cast(active as double) / registered end as active_ratio,
        prev_as_of_date,
        registered - prev_registered as registered_change,
        active - prev_active as active_change,
        source,
        url,
        source_file,
        source_row
    from lagged
)

select * from final
