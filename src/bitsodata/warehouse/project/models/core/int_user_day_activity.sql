-- What the facts now hold for each (user, day) the batch touched; the
-- daily snapshots and the user dimension are recomputed from it, never from a user's whole past.
-- The inner joins on the small key table let DuckDB push the keys' range into the fact scans
-- (the facts arrive in time order, so zone maps skip every row group outside the batch's days).
with tx as (
    select
        t.user_id,
        t.date_key,
        min(t.occurred_at) as first_tx_at,
        min(case when t.transaction_kind = 'deposit' and t.is_complete then t.occurred_at end) as first_deposit_at,
        max(case when t.transaction_kind = 'deposit' and t.is_complete then t.occurred_at end) as last_deposit_at,
        sum(case when t.transaction_kind = 'deposit' and t.is_complete then 1 else 0 end) as n_deposits,
        min(case when t.transaction_kind = 'withdrawal' and t.is_complete then t.occurred_at end) as first_withdrawal_at,
        max(case when t.transaction_kind = 'withdrawal' and t.is_complete then t.occurred_at end) as last_withdrawal_at,
        sum(case when t.transaction_kind = 'withdrawal' and t.is_complete then 1 else 0 end) as n_withdrawals,
        sum(case when t.is_complete then 0 else 1 end) as n_failed_transactions
    from {{ ref('fct_transaction') }} as t
    inner join {{ ref('int_touched_days') }} as k on k.user_id = t.user_id and k.date_key = t.date_key
    group by t.user_id, t.date_key
),

ev as (
    select
        e.user_id,
        e.date_key,
        min(e.occurred_at) as first_event_at,
        max(case when e.is_login then e.occurred_at end) as last_login_at,
        sum(case when e.is_login then 1 else 0 end) as n_logins,
        count(*) as n_events
    from {{ ref('fct_event') }} as e
    inner join {{ ref('int_touched_days') }} as k on k.user_id = e.user_id and k.date_key = e.date_key
    group by e.user_id, e.date_key
),

final as (
    select
        coalesce(tx.user_id, ev.user_id) as user_id,
        coalesce(tx.date_key, ev.date_key) as date_key,
        tx.first_tx_at,
        tx.first_deposit_at,
        tx.last_deposit_at,
        coalesce(tx.n_deposits, 0) as n_deposits,
        tx.first_withdrawal_at,
        tx.last_withdrawal_at,
        coalesce(tx.n_withdrawals, 0) as n_withdrawals,
        coalesce(tx.n_failed_transactions, 0) as n_failed_transactions,
        ev.first_event_at,
        ev.last_login_at,
        coalesce(ev.n_logins, 0) as n_logins,
        coalesce(ev.n_events, 0) as n_events
    from tx
    full outer join ev on ev.user_id = tx.user_id and ev.date_key = tx.date_key
)

select * from final
