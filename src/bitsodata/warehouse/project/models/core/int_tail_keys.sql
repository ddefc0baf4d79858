-- The (user_id, date_key) keys of mart_user_daily this batch replaces: its touched days and the
-- untouched days after them.
with touched as (
    select user_id, date_key from {{ ref('int_touched_days') }}
),

kept as (
    select user_id, date_key from {{ ref('int_old_tail') }} where not is_touched
)

select * from touched
union all
select * from kept
