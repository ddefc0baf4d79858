-- The batch's event file, record by record: typed and keyed, or quarantined with its reason.
with source as (
    select * from {{ source('landing', 'events') }}
),

fields as (
    select
        line_no,
        raw_line,
        read_reason,
        {{ trim_blanks("coalesce(id, '')") }} as id_text,
        {{ trim_blanks("coalesce(event_timestamp, '')") }} as time_text,
        {{ trim_blanks("coalesce(user_id, '')") }} as user_text,
        {{ trim_blanks("coalesce(event_name, '')") }} as name_text
    from source
),

timed as (
    select
        *,
        {{ local_timestamp('time_text') }} as local_at,
        {{ offset_minutes('time_text') }} as offset_minutes
    from fields
),

checked as (
    select
        *,
        coalesce(
            read_reason,
            {{ id_reason('id_text', 'id') }},
            {{ code_reason('user_text', 'user_id') }},
            {{ event_time_reason('time_text', 'local_at', minus_minutes('local_at', 'offset_minutes')) }},
            {{ code_reason('name_text', 'event_name') }}
        ) as quarantine_reason
    from timed
),

renamed as (
    select
        'event' as source,
        line_no,
        case when quarantine_reason is null then {{ checked_cast('id_text', 'bigint') }} end as event_id,
        case when quarantine_reason is null then user_text end as user_id,
        case when quarantine_reason is null then {{ minus_minutes('local_at', 'offset_minutes') }} end as occurred_at,
        case when quarantine_reason is null then lower(name_text) end as event_name,
        raw_line,
        quarantine_reason
    from checked
),

final as (
    select
        *,
        cast(occurred_at as date) as date_key,
        cast(event_id as varchar) as natural_key,
        case when quarantine_reason is not null then {{ quarantine_id('event') }} end as quarantine_id
    from renamed
)

select * from final
