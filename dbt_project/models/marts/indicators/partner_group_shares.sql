-- Each reporter's trade with a country group (seed country_groups: Greater China = CHN + HKG + MAC;
-- the EU as of each year), as the reporter reports it and as the group's members report it, per
-- year and flow. The group's value is the sum over its members as of the year (a member on
-- 31 December), the reporter itself excluded; both shares are of the reporter's own World total.
-- Reads the paired figures (int_partner_figures_paired) of the group members only.
with paired as (
    select * from {{ ref('int_partner_figures_paired') }}
),

counted as (
    select source, reporter_iso3, year, flow, reporter_total_usd, mirror_total_usd
    from {{ ref('int_partner_reporting_counted') }}
),

members as (
    select * from {{ ref('int_country_group_members_dated') }}
),

summed as (
    select
        p.source,
        p.reporter_iso3,
        p.year,
        p.flow,
        m.group_code,
        max(m.group_name) as group_name,
        {{ exact_sum('p.own_value_usd') }} as own_value_usd,
        count(p.own_value_usd) as members_in_own_view,
        {{ exact_sum('p.mirror_value_usd') }} as mirror_value_usd,
        count(p.mirror_value_usd) as members_reporting
    from paired p
    join members m
        on m.member_iso3 = p.partner_iso3
        and (m.first_year is null or p.year >= m.first_year)
        and (m.last_year is null or p.year <= m.last_year)
    group by p.source, p.reporter_iso3, p.year, p.flow, m.group_code
),

grouped as (
    select s.*, c.reporter_total_usd, c.mirror_total_usd
    from summed s
    join counted c
        on c.source = s.source and c.reporter_iso3 = s.reporter_iso3 and c.year = s.year and c.flow = s.flow
),

group_years as (
    select distinct source, reporter_iso3, year, group_code from grouped
),

member_counts as (
    select g.source, g.reporter_iso3, g.year, g.group_code, count(*) as group_members
    from group_years g
    join members m
        on m.group_code = g.group_code
        and m.member_iso3 <> g.reporter_iso3
        and (m.first_year is null or g.year >= m.first_year)
        and (m.last_year is null or g.year <= m.last_year)
    group by g.source, g.reporter_iso3, g.year, g.group_code
),

final as (
    select
        g.source,
        g.reporter_iso3,
        g.group_code,
        g.group_name,
        g.year,
        g.flow,
        c.group_members,
        g.members_in_own_view,
        g.members_reporting,
        g.reporter_total_usd,
        g.own_value_usd,
        case when g.reporter_total_usd > 0 then 100.0 * g.own_value_usd / g.reporter_total_usd end as own_share_pct,
        g.mirror_value_usd,
        case when g.reporter_total_usd > 0 then 100.0 * g.mirror_value_usd / g.reporter_total_usd end as mirror_share_pct,
        case when g.mirror_total_usd > 0 then 100.0 * g.mirror_value_usd / g.mirror_total_usd end
            as mirror_share_of_reporting_pct
    from grouped g
    join member_counts c
        on c.source = g.source and c.reporter_iso3 = g.reporter_iso3 and c.year = g.year
        and c.group_code = g.group_code
)

select * from final
