-- user_snapshot: the user ids the user source has delivered so far (drives is_inferred).
-- grain: one row per user_id.
-- materialized: append_new
-- key: user_id
-- tests: unique(user_id); not_null(user_id)
select user_id from stg_users
