-- mart_user_daily: periodic snapshot user x day (sparse: only days with a transaction or an event).
-- Counts of complete deposits and withdrawals, failed transactions, logins, events, and the running
-- count of complete deposits up to the end of the day ("historically" as of that day).
-- grain: one row per (user_id, date_key).
-- materialized: rebuild_for_users
-- tests: unique(user_id, date_key); not_null(n_deposits, n_deposits_to_date);
--        relationships(user_id -> dim_user.user_id); relationships(date_key -> dim_date.date_key)
with tx as (
    select
        t.user_id,
        t.date_key,
        sum(case when t.transaction_kind = 'deposit' and t.is_complete then 1 else 0 end) as n_deposits,
        sum(case when t.transaction_kind = 'withdrawal' and t.is_complete then 1 else 0 end) as n_withdrawals,
        sum(case when t.is_complete then 0 else 1 end) as n_failed_transactions
    from fct_transaction as t
    where t.user_id in (select user_id from _affected_users)
    group by t.user_id, t.date_key
),

ev as (
    select
        e.user_id,
        e.date_key,
        sum(case when e.is_login then 1 else 0 end) as n_logins,
        count(*) as n_events
    from fct_event as e
    where e.user_id in (select user_id from _affected_users)
    group by e.user_id, e.date_key
),

joined as (
    select
        coalesce(tx.user_id, ev.user_id) as user_id,
        coalesce(tx.date_key, ev.date_key) as date_key,
        coalesce(tx.n_deposits, 0) as n_deposits,
        coalesce(tx.n_withdrawals, 0) as n_withdrawals,
        coalesce(tx.n_failed_transactions, 0) as n_failed_transactions,
        coalesce(ev.n_logins, 0) as n_logins,
        coalesce(ev.n_events, 0) as n_events
    from tx
    full outer join ev on ev.user_id = tx.user_id and ev.date_key = tx.date_key
),

final as (
    select
        user_id,
        date_key,
        n_deposits,
        n_withdrawals,
        n_failed_transactions,
        n_logins,
        n_events,
        sum(n_deposits) over (
            partition by user_id order by date_key rows between unbounded preceding and current row
        ) as n_deposits_to_date,
        n_deposits + n_withdrawals > 0 as is_active
    from joined
)

select * from final
