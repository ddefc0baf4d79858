-- Every deposit and withdrawal at the atomic grain; failed ones kept, flagged.
-- depends_on: {{ ref('int_transaction_conflicts') }} (its conflicting keys leave the fact: meta.scope)
with batch as (
    select * from {{ ref('int_transaction_accepted') }}
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
{{ new_keys_only('final', ['transaction_kind', 'transaction_id']) }}
