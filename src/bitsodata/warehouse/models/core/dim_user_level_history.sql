-- dim_user_level_history: SCD type 2 of (jurisdiction, level) with half-open [valid_from, valid_to).
-- Built from the whole change log of each touched user with LEAD(), so a late change re-slices
-- the ranges around it. valid_to is null for the current version.
-- grain: one row per (user_id, valid_from).
-- materialized: rebuild_for_users
-- tests: unique(user_id, valid_from); not_null(jurisdiction, level); relationships(user_id -> dim_user.user_id)
with changes as (
    select c.*
    from fct_user_level_change as c
    where c.user_id in (select user_id from _affected_users)
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
