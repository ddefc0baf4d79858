-- Every user event (logins and the rest), flagged is_login; a key already stored is kept as is.
-- depends_on: {{ ref('int_event_conflicts') }} (its conflicting keys leave the fact: meta.scope)
with batch as (
    select * from {{ ref('int_event_accepted') }}
),

final as (
    select event_id, user_id, occurred_at, date_key, event_name, is_login from batch
)

select * from final
{{ new_keys_only('final', ['event_id']) }}
