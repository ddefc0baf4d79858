-- The (user, day) pairs this batch touched: the days of its transactions and events, and every
-- stored day of a user who lost a fact. The daily snapshots recompute these keys.
with days as (
    select user_id, date_key from {{ ref('int_transaction_accepted') }}
    union all
    select user_id, date_key from {{ ref('int_event_accepted') }}
    union all
    select m.user_id, m.date_key
    from {{ source('warehouse', 'mart_user_daily') }} as m
    inner join {{ ref('int_withdrawn_users') }} as w on w.user_id = m.user_id
)

select distinct user_id, date_key from days
