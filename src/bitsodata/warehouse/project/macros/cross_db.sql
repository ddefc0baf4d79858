{#- Where SQL engines differ, models call these macros; another adapter adds its own
    `<adapter>__<name>` version (dbt's adapter.dispatch), not a rewrite of the models. -#}

{% macro add_days(expr, n) -%}
    {{ return(adapter.dispatch('add_days')(expr, n)) }}
{%- endmacro %}

{% macro default__add_days(expr, n) -%}
    cast({{ expr }} + interval '{{ n }} day' as date)
{%- endmacro %}


{% macro iso_day_of_week(expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expr) -%}
    cast(extract(isodow from {{ expr }}) as integer)
{%- endmacro %}

