-- dim_user: every user, with lifetime attributes. A user seen in facts but not (yet) in the user
-- snapshot is an inferred member (is_inferred), completed when the snapshot delivers it.
-- grain: one row per user_id.
-- materialized: rebuild_for_users
-- tests: unique(user_id); not_null(is_inferred)
with tx as (
    select
        t.user_id,
        min(t.occurred_at) as first_tx_at,
        min(case when t.transaction_kind = 'deposit' and t.is_complete then t.occurred_at end) as first_deposit_at,
        max(case when t.transaction_kind = 'deposit' and t.is_complete then t.occurred_at end) as last_deposit_at,
        sum(case when t.transaction_kind = 'deposit' and t.is_complete then 1 else 0 end) as n_deposits,
        min(case when t.transaction_kind = 'withdrawal' and t.is_complete then t.occurred_at end) as first_withdrawal_at,
        max(case when t.transaction_kind = 'withdrawal' and t.is_complete then t.occurred_at end) as last_withdrawal_at,
        sum(case when t.transaction_kind = 'withdrawal' and t.is_complete then 1 else 0 end) as n_withdrawals
    from fct_transaction as t
    where t.user_id in (select user_id from _affected_users)
    group by t.user_id
),

ev as (
    select
        e.user_id,
        min(e.occurred_at) as first_event_at,
        max(case when e.is_login then e.occurred_at end) as last_login_at,
        sum(case when e.is_login then 1 else 0 end) as n_logins
    from fct_event as e
    where e.user_id in (select user_id from _affected_users)
    group by e.user_id
),

lvl as (
    select h.user_id, h.jurisdiction, h.level, h.valid_from
    from dim_user_level_history as h
    where h.is_current and h.user_id in (select user_id from _affected_users)
),

lvl_first as (
    select h.user_id, min(h.valid_from) as first_level_at
    from dim_user_level_history as h
    where h.user_id in (select user_id from _affected_users)
    group by h.user_id
),

snap as (
    select s.user_id from user_snapshot as s where s.user_id in (select user_id from _affected_users)
),

users as (
    select user_id from snap
    union select user_id from tx
    union select user_id from ev
    union select user_id from lvl
),

final as (
    select
        u.user_id,
        snap.user_id is null as is_inferred,
        least(tx.first_tx_at, ev.first_event_at, lvl_first.first_level_at) as first_seen_at,
        tx.first_deposit_at,
        tx.last_deposit_at,
        coalesce(tx.n_deposits, 0) as n_deposits,
        tx.first_withdrawal_at,
        tx.last_withdrawal_at,
        coalesce(tx.n_withdrawals, 0) as n_withdrawals,
        ev.last_login_at,
        coalesce(ev.n_logins, 0) as n_logins,
        lvl.jurisdiction as current_jurisdiction,
        lvl.level as current_level
    from users as u
    left join snap on snap.user_id = u.user_id
    left join tx on tx.user_id = u.user_id
    left join ev on ev.user_id = u.user_id
    left join lvl on lvl.user_id = u.user_id
    left join lvl_first on lvl_first.user_id = u.user_id
)

select * from final
