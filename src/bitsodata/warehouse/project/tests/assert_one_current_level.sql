-- Exactly one current version per user in the SCD2 history.
with users as (
    select user_id, sum(case when is_current then 1 else 0 end) as n_current
    from {{ ref('dim_user_level_history') }}
    group by user_id
)

select * from users where n_current <> 1
