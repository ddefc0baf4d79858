-- The conflicting versions of this batch, quarantined: every version of a conflicting key (its
-- raw line; a withdrawn stored version written down as its content). The id hashes
-- (source, natural key, content), so the same version is recorded once, whatever brought it.
-- Records the staging models reject are quarantined with their reason by stg_landing__rejected.
with conflicts as (
{%- for name, e in var('entities').items() if e['columns'] | length > e['key'] | length %}
    select source, natural_key, content, raw_line, is_stored
    from {{ ref('int_' ~ name ~ '_conflicts') }}
    {{- "\n    union all" if not loop.last }}
{%- endfor %}
),

records as (
    select
        {{ quarantine_id('source', 'natural_key', 'content') }} as quarantine_id,
        source,
        natural_key,
        case when is_stored then content else raw_line end as raw_line,
        is_stored
    from conflicts
),

final as (
    select
        quarantine_id,
        min(source) as source,
        min(natural_key) as natural_key,
        'conflicting duplicate' as reason,
        coalesce(max(case when is_stored then raw_line end), min(raw_line)) as raw_line
    from records
    group by quarantine_id
)

select * from final
{{ new_keys_only('final', ['quarantine_id']) }}
