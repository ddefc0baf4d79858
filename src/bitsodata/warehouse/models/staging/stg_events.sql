-- stg_events: this batch's user events; logins are login, 2falogin and login_api.
-- grain: one row per event id of the batch.
-- materialized: view
with source as (
    select * from _batch_event
),

final as (
    select
        event_id,
        user_id,
        occurred_at,
        cast(occurred_at as date) as date_key,
        event_name,
        event_name in ('login', '2falogin', 'login_api') as is_login
    from source
)

select * from final
