-- The natural keys of this batch in conflict, every entity at once (one statement a batch: almost
-- always it finds none, and then the conflict models, the quarantine and the withdrawal skip).
{%- for name, e in var('entities').items() if e['columns'] | length > e['key'] | length %}
{{ merge_conflicting_keys(name) }}
{{- "\nunion" if not loop.last }}
{%- endfor %}
