-- The batch's user snapshot file, record by record: the user id, or the quarantine reason.
with source as (
    select * from {{ source('landing', 'users') }}
),

fields as (
    select line_no, raw_line, read_reason, {{ trim_blanks("coalesce(user_id, '')") }} as user_text
    from source
),

checked as (
    select *, coalesce(read_reason, {{ code_reason('user_text', 'user_id') }}) as quarantine_reason
    from fields
),

final as (
    select
        'user' as source,
        line_no,
        case when quarantine_reason is null then user_text end as user_id,
        case when quarantine_reason is null then user_text end as natural_key,
        raw_line,
        quarantine_reason,
        case when quarantine_reason is not null then {{ quarantine_id('user') }} end as quarantine_id
    from checked
)

select * from final
