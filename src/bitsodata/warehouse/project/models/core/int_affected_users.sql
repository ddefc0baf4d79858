-- The users this batch touched (a row of theirs in any source, or a lost fact): dim_user
-- recomputes their rows.
with users as (
    select user_id from {{ ref('int_transaction_accepted') }}
    union all
    select user_id from {{ ref('int_event_accepted') }}
    union all
    select user_id from {{ ref('int_user_level_accepted') }}
    union all
    select user_id from {{ ref('int_user_accepted') }}
    union all
    select user_id from {{ ref('int_withdrawn_users') }}
)

select distinct user_id from users
