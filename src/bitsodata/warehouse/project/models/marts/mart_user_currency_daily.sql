-- Periodic snapshot user x day x currency of complete transactions.
-- Amounts live here because amounts of different currencies cannot be added. Only the (user, day)
-- pairs the batch touched are recomputed (scope), from the facts of those days.
with complete as (
    select t.*
    from {{ ref('fct_transaction') }} as t
    inner join {{ ref('int_touched_days') }} as k on k.user_id = t.user_id and k.date_key = t.date_key
    where t.is_complete
),

final as (
    select
        user_id,
        date_key,
        currency_code,
        sum(case when transaction_kind = 'deposit' then 1 else 0 end) as n_deposits,
        sum(case when transaction_kind = 'deposit' then amount else 0 end) as amount_deposited,
        sum(case when transaction_kind = 'withdrawal' then 1 else 0 end) as n_withdrawals,
        sum(case when transaction_kind = 'withdrawal' then amount else 0 end) as amount_withdrawn
    from complete
    group by user_id, date_key, currency_code
)

select * from final
