{{ config(severity='warn') }}
-- Negative amounts: kept, not dropped; reported.
select * from {{ ref('fct_transaction') }} where amount < 0
