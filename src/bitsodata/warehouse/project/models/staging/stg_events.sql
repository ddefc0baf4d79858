-- This batch's user events; a login is an event named login, 2falogin or login_api.
with source as (
    select * from {{ source('batch', 'events') }}
),

renamed as (
    select
        event_id,
        user_id,
        occurred_at,
        cast(occurred_at as date) as date_key,
        event_name,
        event_name in ('login', '2falogin', 'login_api') as is_login
    from source
)

select * from renamed
