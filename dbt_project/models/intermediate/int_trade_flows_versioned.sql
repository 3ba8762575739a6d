{{ config(**partitioned_by_reporter()) }}
-- depends_on: {{ ref('int_trade_partitions') }}
-- A table, not a view: five marts read it, and its window functions over every version of every
-- figure (2.6 million at all-DOTS scale) would otherwise run once per mart. Incremental: a build
-- recomputes only the sources and reporters whose loads changed (macros/trade_partitions.sql).
-- Every version of every trade figure of every trade source (IMF DOTS, UN Comtrade, IMF SDMX, the IMF IMTS
-- matrix, UN Comtrade trade matrices), ordered: a later release supersedes an earlier one ('base', the
-- top-level files, is the oldest: macro release_sort_key), and a
-- newer load of the same release supersedes an older one. Consecutive versions with the same value
-- are collapsed, so a version exists only where the figure changed. valid_from / valid_to are load
-- times: "what did the warehouse say on date D" is valid_from <= D < coalesce(valid_to, infinity).
{%- set columns = ['source', 'reporter_iso3', 'partner_iso3', 'partner_entity_type', 'flow', 'valuation', 'year',
                   'period', 'product_code', 'value_usd', 'is_estimate', 'release', 'source_file', 'file_sha256',
                   'source_sheet', 'source_row', 'loaded_at', 'is_current_file_version'] %}
{%- set key = ['source', 'reporter_iso3', 'partner_iso3', 'flow', 'period', 'product_code'] %}  {#- a figure #}
with all_versions as (
    {%- for model in trade_staging_models() %}
    select {{ columns | join(', ') }} from {{ ref(model) }} where {{ in_changed_partitions() }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- Most figures have one version (one load of one release): they skip the three windows below, which
-- sort every row (all-DOTS scale: 5.9 s -> 3.6 s; 10 million Comtrade records: 44.7 s -> 21.5 s;
-- the same rows). Keys are counted by a hash of the key: a grouping and a join on one integer stay
-- within the memory limit where six text columns (joined null-safe) did not, and keys that share a
-- hash only take the general path, which gives every key its exact result.
versioned_keys as (
    select {{ key_hash(key) }} as versions_key
    from all_versions
    group by {{ key_hash(key) }}
    having count(*) > 1
),

flagged as (
    select a.*, v.versions_key is not null as has_versions
    from all_versions a
    left join versioned_keys v on v.versions_key = {{ key_hash(key, 'a') }}
),

single_version as (
    -- what the windows give a lone version: it is the first, nothing follows it, and it is the
    -- latest exactly when its file is still present
    select
        {{ columns | join(', ') }},
        loaded_at as valid_from,
        case when false then loaded_at end as valid_to,  -- null, typed as loaded_at
        coalesce(is_current_file_version, false) as is_latest
    from flagged
    where not has_versions
),

multi_version as (
    select {{ columns | join(', ') }} from flagged where has_versions
),

ordered as (
    select
        *,
        lag(value_usd) over w as prev_value_usd,
        lag(is_estimate) over w as prev_is_estimate,
        -- the position in release order (base oldest, then release folders by name), then load time
        row_number() over w as version_rank
    from multi_version
    window w as (
        partition by {{ key | join(', ') }}
        order by {{ release_sort_key('release') }}, loaded_at
    )
),

positioned as (
    -- the latest version from a file still present (null: none is present)
    select
        *,
        max(case when is_current_file_version then version_rank end) over (
            partition by {{ key | join(', ') }}
        ) as latest_current_rank
    from ordered
),

changes as (
    select *
    from positioned
    where version_rank = 1
       or value_usd is distinct from prev_value_usd
       or is_estimate is distinct from prev_is_estimate
),

final as (
    select
        {% for column in columns %}c.{{ column }},
        {% endfor -%}
        c.latest_current_rank,
        c.version_rank,
        c.loaded_at as valid_from,
        lead(c.loaded_at) over v as valid_to,
        lead(c.version_rank) over v as next_change_rank
    from changes c
    window v as (
        partition by {% for k in key %}c.{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}
        order by c.version_rank
    )
),

windowed as (
    select
        {% for column in columns %}f.{{ column }},
        {% endfor -%}
        f.valid_from,
        f.valid_to,
        -- the version the latest current file says: the last change at or before its position
        coalesce(f.version_rank <= f.latest_current_rank
                 and (f.next_change_rank is null or f.next_change_rank > f.latest_current_rank), false) as is_latest
    from final f
)

select * from single_version
union all
select * from windowed
