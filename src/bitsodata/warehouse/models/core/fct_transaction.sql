-- fct_transaction: every deposit and withdrawal at the atomic grain; failed ones kept, flagged.
-- grain: one row per (transaction_kind, transaction_id).
-- materialized: append_new
-- key: transaction_kind, transaction_id
-- tests: unique(transaction_kind, transaction_id); not_null(user_id, occurred_at, amount, currency_code, tx_status);
--        relationships(user_id -> dim_user.user_id); relationships(date_key -> dim_date.date_key);
--        relationships(currency_code -> dim_currency.currency_code)
with batch as (
    select * from stg_transactions
),

final as (
    select
        transaction_kind,
        transaction_id,
        user_id,
        occurred_at,
        date_key,
        currency_code,
        amount,
        interface,
        tx_status,
        is_complete
    from batch
)

select * from final
