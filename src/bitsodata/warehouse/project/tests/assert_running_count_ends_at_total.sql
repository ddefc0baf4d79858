-- The running deposit count on a user's last day == the user's complete deposits.
with users as (
    select user_id, sum(n_deposits) as total, max(n_deposits_to_date) as running
    from {{ ref('mart_user_daily') }}
    group by user_id
)

select * from users where total <> running
