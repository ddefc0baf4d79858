-- The batch's user snapshot file, record by record: the user id, or the quarantine reason.
with source as (
    select * from {{ source('landing', 'users') }}
),

fields as (
    select line_no, raw_line, read_reason, {{ trim_blanks('user_id') }} as user_text
    from source
),

checked as {{ computed_once() }} (
    select *, coalesce(read_reason, {{ code_reason('user_text', 'user_id') }}) as marked_reason
    from fields
),

final as (
    select
        'user' as source,
        line_no,
        case when marked_reason is null then user_text end as user_id,
        case when marked_reason is null then user_text end as natural_key,
        raw_line,
        {{ reason_head('marked_reason') }} as rejected_because,
        {{ reason_value('marked_reason') }} as rejected_value
    from checked
)

select * from final
