{#- The merge by natural key, one set of models per entity (`vars.entities` in dbt_project.yml).
    A conflicting duplicate is a key seen with two contents: in the batch, or between the batch
    and the stored fact. Every version of such a key is quarantined, the stored one withdrawn from
    the fact, and the key stays blocked, so loading day by day ends where loading all at once does. -#}

{#- int_<entity>_versions: the distinct versions of the batch's valid rows. -#}
{% macro merge_versions(name) -%}
{%- set e = var('entities')[name] -%}
with source as (
    select * from {{ source('batch', e['batch_source']) }}
),

versions as (
    select distinct
        {{ e['columns'] | join(', ') }},
        natural_key,
        {{ source_of('source', e) }} as source
    from source
)

select * from versions
{%- endmacro %}


{#- The natural keys (source, natural_key) of one entity's batch in conflict: two versions in the
    batch, a key already quarantined as conflicting, or a version that differs from the stored
    fact. Only inner joins on the batch's keys: the engine prunes the stored tables' scans to the
    batch's key range. `versions` names the entity's versions (a CTE of int_conflicting_keys, which
    unions these for every entity: one statement). -#}
{% macro merge_conflicting_keys(name, versions) -%}
{%- set e = var('entities')[name] -%}
{%- set content = e['columns'] | list | reject('in', e['key']) | list -%}
    select source, natural_key
    from {{ versions }}
    group by source, natural_key
    having count(*) > 1
    union all
    select v.source, v.natural_key
    from {{ versions }} as v
    inner join {{ source('warehouse', 'quarantine') }} as q
        on q.natural_key = v.natural_key and q.source = v.source
    where q.reason = 'conflicting duplicate'
    union all
    select v.source, v.natural_key
    from {{ versions }} as v
    inner join {{ source('warehouse', e['fact']) }} as f on {{ join_on('f', 'v', e['key']) }}
    where {% for c in content %}f.{{ c }} is distinct from v.{{ c }}{{ " or " if not loop.last }}{% endfor %}
{%- endmacro %}


{#- int_<entity>_conflicts: every version of the batch's keys in conflict, and the stored
    versions of those keys (is_stored), which leave the fact; a batch version carries how many
    lines brought it and one of them. Runs only when int_conflicting_keys has rows. -#}
{% macro merge_conflicts(name) -%}
{%- set e = var('entities')[name] -%}
{%- set cols = e['columns'] | list -%}
with source as (
    select * from {{ source('batch', e['batch_source']) }}
),

in_conflict as (
    select source.*
    from source
    inner join {{ ref('int_conflicting_keys') }} as k
        on k.natural_key = source.natural_key and k.source = {{ source_of('source', e) }}
),

keys as (
    select distinct {{ e['key'] | join(', ') }} from in_conflict
),

in_batch as (
    select
        {{ cols | join(', ') }},
        natural_key,
        {{ source_of('in_conflict', e) }} as source,
        count(*) as n_lines,
        min(raw_line) as raw_line,
        false as is_stored
    from in_conflict
    group by {{ cols | join(', ') }}, natural_key
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
    inner join keys as k on {{ join_on('k', 'f', e['key']) }}
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
    select distinct *
    from staged
    where not exists (
        select 1 from blocked where {{ join_on('blocked', 'staged', e['key']) }}
    )
)
{%- else %}

final as (
    select distinct * from staged
)
{%- endif %}

select * from final
{%- endmacro %}
