-- fct_user_level_change: the level change log, one row per change as delivered by the source.
-- grain: one row per (user_id, changed_at).
-- materialized: append_new
-- key: user_id, changed_at
-- tests: unique(user_id, changed_at); not_null(jurisdiction, level); relationships(user_id -> dim_user.user_id)
select user_id, changed_at, jurisdiction, level from stg_user_levels
