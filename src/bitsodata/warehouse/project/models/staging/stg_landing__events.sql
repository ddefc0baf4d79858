-- The batch's event file, record by record: typed and keyed, or quarantined with its reason.
with source as (
    select * from {{ source('landing', 'events') }}
),

fields as (
    select
        line_no,
        raw_line,
        read_reason,
        {{ trim_blanks('id') }} as id_text,
        {{ trim_blanks('event_timestamp') }} as time_text,
        {{ trim_blanks('user_id') }} as user_text,
        {{ trim_blanks('event_name') }} as name_text
    from source
),

{{ event_time_ctes('fields', 'time_text') }},

checked as {{ computed_once() }} (
    select
        *,
        coalesce(
            read_reason,
            {{ id_reason('id_text', 'id') }},
            {{ code_reason('user_text', 'user_id') }},
            {{ event_time_reason('time_text', 'utc_at') }},
            {{ code_reason('name_text', 'event_name') }}
        ) as marked_reason
    from timed
),

renamed as (
    select
        'event' as source,
        line_no,
        case when marked_reason is null then {{ checked_cast('id_text', 'bigint') }} end as event_id,
        case when marked_reason is null then user_text end as user_id,
        case when marked_reason is null then utc_at end as occurred_at,
        case when marked_reason is null then lower(name_text) end as event_name,
        raw_line,
        {{ reason_head('marked_reason') }} as rejected_because,
        {{ reason_value('marked_reason') }} as rejected_value
    from checked
),

final as (
    select
        *,
        cast(occurred_at as date) as date_key,
        cast(event_id as varchar) as natural_key
    from renamed
)

select * from final
