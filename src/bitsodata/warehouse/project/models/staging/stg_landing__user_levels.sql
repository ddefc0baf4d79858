-- The batch's level-change file, record by record: typed and keyed, or quarantined with its reason.
with source as (
    select * from {{ source('landing', 'user_levels') }}
),

fields as (
    select
        line_no,
        raw_line,
        read_reason,
        {{ trim_blanks('user_id') }} as user_text,
        {{ trim_blanks('jurisdiction') }} as jurisdiction_text,
        {{ trim_blanks('level') }} as level_text,
        {{ trim_blanks('event_timestamp') }} as time_text
    from source
),

{{ event_time_ctes('fields', 'time_text') }},

checked as {{ computed_once() }} (
    select
        *,
        coalesce(
            read_reason,
            {{ level_reason('level_text') }},
            {{ code_reason('user_text', 'user_id') }},
            {{ event_time_reason('time_text', 'utc_at') }},
            {{ code_reason('jurisdiction_text', 'jurisdiction') }}
        ) as marked_reason
    from timed
),

renamed as (
    select
        'user_level' as source,
        line_no,
        case when marked_reason is null then user_text end as user_id,
        case when marked_reason is null then utc_at end as changed_at,
        case when marked_reason is null then lower(jurisdiction_text) end as jurisdiction,
        case when marked_reason is null then {{ checked_cast('level_text', 'integer') }} end as level,
        raw_line,
        {{ reason_head('marked_reason') }} as rejected_because,
        {{ reason_value('marked_reason') }} as rejected_value
    from checked
),

final as (
    select
        *,
        user_id || '|' || {{ timestamp_text('changed_at') }} as natural_key
    from renamed
)

select * from final
