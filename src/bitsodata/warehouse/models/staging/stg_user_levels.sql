-- stg_user_levels: this batch's level changes (the change log behind the SCD2 history).
-- grain: one row per (user_id, changed_at) of the batch.
-- materialized: view
with source as (
    select * from _batch_user_level
)

select user_id, changed_at, jurisdiction, level from source
