-- The stored mart_user_daily rows whose running count this batch can change (each touched
-- user's rows from their earliest touched day on), as they were before the batch; is_touched
-- flags the days the batch recomputes. One pass over the snapshot: the lower bound on date_key
-- lets the scan skip the row groups of older days.
with touched as (
    select user_id, date_key from {{ ref('int_touched_days') }}
),

first_days as (
    select user_id, min(date_key) as first_day from touched group by user_id
),

final as (
    select
        m.user_id,
        m.date_key,
        m.n_deposits,
        m.n_withdrawals,
        m.n_failed_transactions,
        m.n_logins,
        m.n_events,
        d.user_id is not null as is_touched
    from {{ source('warehouse', 'mart_user_daily') }} as m
    inner join first_days as t on t.user_id = m.user_id and m.date_key >= t.first_day
    left join touched as d on d.user_id = m.user_id and d.date_key = m.date_key
    where m.date_key >= (select min(date_key) from touched)
)

select * from final
