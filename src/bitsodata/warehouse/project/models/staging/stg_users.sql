-- The user ids of this batch's user snapshot.
with source as (
    select * from {{ source('batch', 'users') }}
)

select user_id from source
