-- The batch's level-change file, record by record: typed and keyed, or quarantined with its reason.
with source as (
    select * from {{ source('landing', 'user_levels') }}
),

fields as (
    select
        line_no,
        raw_line,
        read_reason,
        {{ trim_blanks("coalesce(user_id, '')") }} as user_text,
        {{ trim_blanks("coalesce(jurisdiction, '')") }} as jurisdiction_text,
        {{ trim_blanks("coalesce(level, '')") }} as level_text,
        {{ trim_blanks("coalesce(event_timestamp, '')") }} as time_text
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
            {{ level_reason('level_text') }},
            {{ code_reason('user_text', 'user_id') }},
            {{ event_time_reason('time_text', 'local_at', minus_minutes('local_at', 'offset_minutes')) }},
            {{ code_reason('jurisdiction_text', 'jurisdiction') }}
        ) as quarantine_reason
    from timed
),

renamed as (
    select
        'user_level' as source,
        line_no,
        case when quarantine_reason is null then user_text end as user_id,
        case when quarantine_reason is null then {{ minus_minutes('local_at', 'offset_minutes') }} end as changed_at,
        case when quarantine_reason is null then lower(jurisdiction_text) end as jurisdiction,
        case when quarantine_reason is null then {{ checked_cast('level_text', 'integer') }} end as level,
        raw_line,
        quarantine_reason
    from checked
),

final as (
    select
        *,
        user_id || '|' || {{ timestamp_text('changed_at') }} as natural_key,
        case when quarantine_reason is not null then {{ quarantine_id('user_level') }} end as quarantine_id
    from renamed
)

select * from final
