-- The user ids the user source has delivered so far (drives dim_user.is_inferred).
with batch as (
    select user_id from {{ ref('int_user_accepted') }}
)

select * from batch
{{ new_keys_only('batch', ['user_id']) }}
