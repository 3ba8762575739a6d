-- The latest version of every harmonised trade figure of every trade source, one shape.
-- New trade sources add a `union all` branch in int_trade_flows_versioned's input.
with versioned as (
    select * from {{ ref('int_trade_flows_versioned') }}
    where is_latest
)

select * exclude (is_latest, valid_from, valid_to, is_current_file_version) from versioned
