-- stg_transactions: this batch's deposits and withdrawals, typed at the boundary, flags derived.
-- grain: one row per (transaction_kind, transaction_id) of the batch; exact duplicates collapsed,
--        conflicting duplicates already sent to quarantine by the loader.
-- materialized: view
with source as (
    select * from _batch_transaction
),

final as (
    select
        transaction_kind,
        transaction_id,
        user_id,
        occurred_at,
        cast(occurred_at as date) as date_key,
        currency_code,
        amount,
        interface,
        tx_status,
        tx_status = 'complete' as is_complete
    from source
)

select * from final
