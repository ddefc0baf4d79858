-- This batch's level changes (the change log behind the SCD2 history).
with source as (
    select * from {{ source('batch', 'user_levels') }}
),

renamed as (
    select user_id, changed_at, jurisdiction, level from source
)

select * from renamed
