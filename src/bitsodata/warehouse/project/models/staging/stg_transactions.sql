-- This batch's deposits and withdrawals: flags and the day key derived.
with source as (
    select * from {{ source('batch', 'transactions') }}
),

renamed as (
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

select * from renamed
