{#- The two ways a model merges one batch into its table. -#}

{#- Facts and dimensions that only grow: keep the rows whose key is not stored yet. The stored
    keys are found with an inner join of the table on the batch's keys, which lets the engine
    prune the table's scan to the batch's key range, where an anti-join would read it whole. -#}
{% macro new_keys_only(relation, keys) -%}
{%- if is_incremental() %}
where not exists (
    select 1
    from (
        select {% for k in keys %}t.{{ k }}{{ ", " if not loop.last }}{% endfor %}
        from {{ this }} as t
        inner join {{ relation }} as b
            on {% for k in keys %}t.{{ k }} = b.{{ k }}{{ " and " if not loop.last }}{% endfor %}
    ) as e
    where {% for k in keys %}e.{{ k }} = {{ relation }}.{{ k }}{{ " and " if not loop.last }}{% endfor %}
)
{%- endif %}
{%- endmacro %}

{#- Aggregates the batch touched (incremental_strategy: replace_scope): delete the rows whose keys
    are in the model's scope (meta.scope: a per-batch key model and its key columns), then
    insert the model's rows for them, so keys that no longer have rows disappear too. dbt builds
    the model's rows into a temporary table first, so a model may read its own previous rows. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) %}
    {%- set scope = config.get('meta')['scope'] -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as t
    using {{ ref(scope['table']) }} as s
    where {% for c in scope['columns'] %}t.{{ c }} = s.{{ c }}{{ " and " if not loop.last }}{% endfor %};
    insert into {{ target }} ({{ cols }})
    select {{ cols }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
