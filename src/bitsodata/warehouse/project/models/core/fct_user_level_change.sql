-- The level change log, one row per change as delivered by the source.
-- depends_on: {{ ref('int_user_level_conflicts') }} (its conflicting keys leave the fact: meta.scope)
with batch as (
    select * from {{ ref('int_user_level_accepted') }}
),

final as (
    select user_id, changed_at, jurisdiction, level from batch
)

select * from final
{{ new_keys_only('final', ['user_id', 'changed_at']) }}
