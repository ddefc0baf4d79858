-- The natural keys of this batch in conflict, every entity at once (one statement a batch: almost
-- always it finds none, and then the conflict models, the quarantine and the withdrawal skip).
-- Each entity's versions are one CTE, read by its three checks.
with
{%- for name, e in var('entities').items() if e['columns'] | length > e['key'] | length %}
{{ name }}_versions as (
    select * from {{ ref('int_' ~ name ~ '_versions') }}
),
{%- endfor %}

conflicting as (
{%- for name, e in var('entities').items() if e['columns'] | length > e['key'] | length %}
{{ merge_conflicting_keys(name, name ~ '_versions') }}
{{- "\n    union all" if not loop.last }}
{%- endfor %}
)

select distinct source, natural_key from conflicting
