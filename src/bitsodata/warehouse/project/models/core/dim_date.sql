-- One row per calendar day from the first to the last fact day (no gaps). Only the days that
-- widen the stored range are generated, so a batch costs a few rows, all new by construction.
with recursive batch_days as (
    select date_key from {{ ref('int_transaction_accepted') }}
    union all
    select date_key from {{ ref('int_event_accepted') }}
),

bounds as (
    select
    {%- if is_incremental() %}
        (select min(date_key) from {{ this }}) as known_lo,
        (select max(date_key) from {{ this }}) as known_hi,
    {%- else %}
        cast(null as date) as known_lo,
        cast(null as date) as known_hi,
    {%- endif %}
        (select min(date_key) from batch_days) as lo,
        (select max(date_key) from batch_days) as hi
),

seeds (first_day, last_day) as (
    select lo, hi from bounds where known_lo is null and lo is not null
    union all
    select lo, {{ add_days('known_lo', -1) }} from bounds where lo < known_lo
    union all
    select {{ add_days('known_hi', 1) }}, hi from bounds where hi > known_hi
),

days (date_key, last_day) as (
    select first_day, last_day from seeds
    union all
    select {{ add_days('date_key', 1) }}, last_day from days where date_key < last_day
),

final as (
    select
        date_key,
        cast(extract(year from date_key) as integer) as year,
        cast(extract(month from date_key) as integer) as month,
        cast(extract(day from date_key) as integer) as day_of_month,
        {{ iso_day_of_week('date_key') }} as iso_day_of_week,
        {{ iso_day_of_week('date_key') }} >= 6 as is_weekend
    from days
)

select * from final
