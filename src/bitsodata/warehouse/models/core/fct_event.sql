-- fct_event: every user event (logins and the rest), flagged is_login.
-- grain: one row per event_id.
-- materialized: append_new
-- key: event_id
-- tests: unique(event_id); not_null(user_id, occurred_at, event_name);
--        relationships(user_id -> dim_user.user_id); relationships(date_key -> dim_date.date_key)
with batch as (
    select * from stg_events
)

select event_id, user_id, occurred_at, date_key, event_name, is_login from batch
