-- Complete deposits in the facts == in mart_user_daily == in dim_user (one row when they differ).
with counts as (
    select
        (select count(*) from {{ ref('fct_transaction') }}
         where transaction_kind = 'deposit' and is_complete) as in_facts,
        (select coalesce(sum(n_deposits), 0) from {{ ref('mart_user_daily') }}) as in_mart,
        (select coalesce(sum(n_deposits), 0) from {{ ref('dim_user') }}) as in_dim
)

select * from counts where in_facts <> in_mart or in_mart <> in_dim
