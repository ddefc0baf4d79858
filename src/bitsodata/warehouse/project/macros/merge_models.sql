{#- The merge by natural key, one set of models per entity (`vars.entities` in dbt_project.yml).
    A conflicting duplicate is a key seen with two contents: in the batch, or between the batch
    and the stored fact. Every version of such a key is quarantined, the stored one withdrawn from
    the fact, and the key stays blocked, so loading day by day ends where loading all at once does. -#}

{#- int_<entity>_versions: the distinct versions of the batch's valid rows, with how many lines
    brought each and one of those lines. -#}
{% macro merge_versions(name) -%}
{%- set e = var('entities')[name] -%}
{%- set cols = e['columns'] | list -%}
with source as (
    select * from {{ source('batch', e['batch_source']) }}
),

versions as (
    select
        {{ cols | join(', ') }},
        natural_key,
        {{ source_of('source', e) }} as source,
        count(*) as n_lines,
        min(raw_line) as raw_line
    from source
    group by {{ cols | join(', ') }}, natural_key
)

select * from versions
{%- endmacro %}


{#- int_<entity>_conflicts: every version of the batch's keys in conflict (two versions in the
    batch, a key already quarantined as conflicting, a version that differs from the stored fact),
    and the stored versions of those keys (is_stored), which leave the fact. Only inner joins on
    the batch's keys: the engine prunes the stored tables' scans to the batch's key range. -#}
{% macro merge_conflicts(name) -%}
{%- set e = var('entities')[name] -%}
{%- set cols = e['columns'] | list -%}
{%- set content = cols | reject('in', e['key']) | list -%}
with versions as (
    select * from {{ ref('int_' ~ name ~ '_versions') }}
),

conflicting_keys as (
    select {{ e['key'] | join(', ') }}
    from versions
    group by {{ e['key'] | join(', ') }}
    having count(*) > 1
    union
    select {{ prefixed('v', e['key']) }}
    from versions as v
    inner join {{ source('warehouse', 'quarantine') }} as q
        on q.natural_key = v.natural_key and q.source = v.source
    where q.reason = 'conflicting duplicate'
    union
    select {{ prefixed('v', e['key']) }}
    from versions as v
    inner join {{ source('warehouse', e['fact']) }} as f on {{ join_on('f', 'v', e['key']) }}
    where {% for c in content %}f.{{ c }} is distinct from v.{{ c }}{{ " or " if not loop.last }}{% endfor %}
),

in_batch as (
    select {{ prefixed('v', cols) }}, v.natural_key, v.source, v.n_lines, v.raw_line, false as is_stored
    from versions as v
    inner join conflicting_keys as k on {{ join_on('k', 'v', e['key']) }}
),

in_store as (
    select
        {{ prefixed('f', cols) }},
        {{ key_text('f', e) }} as natural_key,
        {{ source_of('f', e) }} as source,
        0 as n_lines,
        cast(null as varchar) as raw_line,
        true as is_stored
    from {{ source('warehouse', e['fact']) }} as f
    inner join conflicting_keys as k on {{ join_on('k', 'f', e['key']) }}
),

both_sides as (
    select * from in_batch
    union all
    select * from in_store
),

final as (
    select both_sides.*, {{ rendered('both_sides', e) }} as content
    from both_sides
)

select * from final
{%- endmacro %}


{#- int_<entity>_accepted: the staged rows to merge, each once; no version of a conflicting key. -#}
{% macro merge_accepted(name) -%}
{%- set e = var('entities')[name] -%}
with staged as (
    select * from {{ ref(e['staging']) }}
),
{%- if e['columns'] | length > e['key'] | length %}

blocked as (
    select distinct {{ e['key'] | join(', ') }} from {{ ref('int_' ~ name ~ '_conflicts') }}
),

final as (
    select distinct staged.*
    from staged
    left join blocked on {{ join_on('blocked', 'staged', e['key']) }}
    where blocked.{{ e['key'][0] }} is null
)
{%- else %}

final as (
    select distinct * from staged
)
{%- endif %}

select * from final
{%- endmacro %}
