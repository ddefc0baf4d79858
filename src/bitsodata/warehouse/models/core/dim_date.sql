-- dim_date: one row per calendar day from the first to the last fact day (no gaps).
-- Only the days that widen the current range are generated, so a batch costs a few rows, and
-- they are new by construction (materialized: append, no key look-up).
-- grain: one row per date_key.
-- materialized: append
-- key: date_key
-- tests: unique(date_key)
with recursive batch_days as (
    select date_key from stg_transactions
    union all
    select date_key from stg_events
),

bounds as (
    select
        (select min(date_key) from dim_date) as known_lo,
        (select max(date_key) from dim_date) as known_hi,
        (select min(date_key) from batch_days) as lo,
        (select max(date_key) from batch_days) as hi
),

seeds (first_day, last_day) as (
    select lo, hi from bounds where known_lo is null and lo is not null
    union all
    select lo, cast(known_lo - interval '1 day' as date) from bounds where lo < known_lo
    union all
    select cast(known_hi + interval '1 day' as date), hi from bounds where hi > known_hi
),

days (date_key, last_day) as (
    select first_day, last_day from seeds
    union all
    select cast(date_key + interval '1 day' as date), last_day from days where date_key < last_day
),

final as (
    select
        date_key,
        cast(extract(year from date_key) as integer) as year,
        cast(extract(month from date_key) as integer) as month,
        cast(extract(day from date_key) as integer) as day_of_month,
        cast(extract(isodow from date_key) as integer) as iso_day_of_week,
        extract(isodow from date_key) >= 6 as is_weekend
    from days
)

select * from final
