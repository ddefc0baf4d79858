{#- The staging of the two transaction files (deposits and withdrawals differ in name only):
    one row per record, typed when every field is good, else with its quarantine reason. -#}
{% macro stage_transactions(relation, kind) -%}
with source as (
    select * from {{ relation }}
),

fields as (
    select
        line_no,
        raw_line,
        read_reason,
        {{ trim_blanks('id') }} as id_text,
        {{ trim_blanks('event_timestamp') }} as time_text,
        {{ trim_blanks('user_id') }} as user_text,
        {{ trim_blanks('currency') }} as currency_text,
        {{ trim_blanks('amount') }} as amount_text,
        {{ trim_blanks('interface') }} as interface_text,
        {{ trim_blanks('tx_status') }} as status_text
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
            {{ code_reason('currency_text', 'currency') }},
            {{ amount_reason('amount_text') }},
            {{ optional_code_reason('interface_text', 'interface') }},
            {{ code_reason('status_text', 'tx_status') }}
        ) as marked_reason
    from timed
),

renamed as (
    select
        '{{ kind }}' as source,
        line_no,
        '{{ kind }}' as transaction_kind,
        case when marked_reason is null then {{ checked_cast('id_text', 'bigint') }} end as transaction_id,
        case when marked_reason is null then user_text end as user_id,
        case when marked_reason is null then utc_at end as occurred_at,
        case when marked_reason is null then lower(currency_text) end as currency_code,
        case when marked_reason is null then {{ checked_cast('amount_text', 'decimal(38,18)') }} end as amount,
        case when marked_reason is null and interface_text <> '' then lower(interface_text) end as interface,
        case when marked_reason is null then lower(status_text) end as tx_status,
        raw_line,
        {{ reason_head('marked_reason') }} as rejected_because,
        {{ reason_value('marked_reason') }} as rejected_value
    from checked
),

final as (
    select
        *,
        cast(occurred_at as date) as date_key,
        tx_status = 'complete' as is_complete,
        cast(transaction_id as varchar) as natural_key
    from renamed
)

select * from final
{%- endmacro %}
