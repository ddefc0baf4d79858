-- Every currency code seen in a transaction; fiat or crypto.
with codes as (
    select distinct currency_code from {{ ref('int_transaction_accepted') }}
),

final as (
    select
        currency_code,
        currency_code in ('mxn', 'usd', 'brl', 'ars', 'cop', 'eur', 'clp', 'pen') as is_fiat
    from codes
)

select * from final
{{ new_keys_only('final', ['currency_code']) }}
