-- dim_currency: every currency code seen in a transaction; fiat or crypto.
-- grain: one row per currency_code.
-- materialized: append_new
-- key: currency_code
-- tests: unique(currency_code)
with codes as (
    select distinct currency_code from stg_transactions
)

select
    currency_code,
    currency_code in ('mxn', 'usd', 'brl', 'ars', 'cop', 'eur', 'clp', 'pen') as is_fiat
from codes
