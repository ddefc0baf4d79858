-- stg_users: user ids present in this batch's user snapshot.
-- grain: one row per user_id of the batch.
-- materialized: view
with source as (
    select * from _batch_user
)

select user_id from source
