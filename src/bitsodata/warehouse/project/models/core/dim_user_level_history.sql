-- SCD type 2 of (jurisdiction, level) with half-open [valid_from, valid_to).
-- Built with LEAD() from the whole change log of each user with a change in the batch
-- (int_level_users), so a late change re-slices the ranges around it. valid_to is null for the current version.
with changes as (
    select c.*
    from {{ ref('fct_user_level_change') }} as c
    inner join {{ ref('int_level_users') }} as u on u.user_id = c.user_id
),

ranged as (
    select
        user_id,
        changed_at as valid_from,
        lead(changed_at) over (partition by user_id order by changed_at) as valid_to,
        jurisdiction,
        level
    from changes
),

final as (
    select
        user_id,
        valid_from,
        valid_to,
        jurisdiction,
        level,
        valid_to is null as is_current
    from ranged
)

select * from final
