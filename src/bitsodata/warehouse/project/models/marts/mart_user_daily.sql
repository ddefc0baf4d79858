-- depends_on: {{ ref('int_tail_keys') }} (its scope: meta.scope)
-- Periodic snapshot user x day (sparse: only days with a transaction or an event).
-- Counts of complete deposits and withdrawals, failed transactions, logins, events, and the running
-- count of complete deposits up to the end of the day ("historically" as of that day).
-- Incremental: the scope is each touched user's tail, the rows from the user's earliest touched
-- day on (int_tail_keys). Touched days come from int_user_day_activity, the other tail rows keep
-- the counts they had before the batch (int_old_tail), and the running count restarts from the user's
-- total (dim_user.n_deposits, already updated) minus the tail's deposits, so no row before the
-- tail is read.
with touched as (
    select user_id, date_key, n_deposits, n_withdrawals, n_failed_transactions, n_logins, n_events
    from {{ ref('int_user_day_activity') }}
),

kept as (
    select user_id, date_key, n_deposits, n_withdrawals, n_failed_transactions, n_logins, n_events
    from {{ ref('int_old_tail') }}
    where not is_touched
),

tail as (
    select * from touched
    union all
    select * from kept
),

base as (
    select tail.user_id, max(u.n_deposits) - sum(tail.n_deposits) as n_before
    from tail
    inner join {{ ref('dim_user') }} as u on u.user_id = tail.user_id
    group by tail.user_id
),

final as (
    select
        tail.user_id,
        tail.date_key,
        tail.n_deposits,
        tail.n_withdrawals,
        tail.n_failed_transactions,
        tail.n_logins,
        tail.n_events,
        base.n_before + sum(tail.n_deposits) over (
            partition by tail.user_id order by tail.date_key rows between unbounded preceding and current row
        ) as n_deposits_to_date,
        tail.n_deposits + tail.n_withdrawals > 0 as is_active
    from tail
    inner join base on base.user_id = tail.user_id
)

select * from final
