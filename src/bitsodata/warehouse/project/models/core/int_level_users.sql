-- The users whose level history this batch changed (or who lost a fact): their SCD2 ranges are
-- rebuilt.
with users as (
    select user_id from {{ ref('int_user_level_accepted') }}
    union all
    select user_id from {{ ref('int_withdrawn_users') }}
)

select distinct user_id from users
