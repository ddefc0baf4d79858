-- The level change log, one row per change as delivered by the source.
with batch as (
    select * from {{ ref('stg_user_levels') }}
),

final as (
    select user_id, changed_at, jurisdiction, level from batch
)

select * from final
{{ new_keys_only('final', ['user_id', 'changed_at']) }}
