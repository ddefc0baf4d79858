-- Users who lost a stored fact to a conflicting duplicate in this batch: every day of theirs is
-- touched, and their dimension row is rebuilt.
with withdrawn as (
{%- for name, e in var('entities').items() if e['columns'] | length > e['key'] | length %}
    select user_id from {{ ref('int_' ~ name ~ '_conflicts') }} where is_stored
    {{- "\n    union all" if not loop.last }}
{%- endfor %}
)

select distinct user_id from withdrawn
