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



{#- Whether the whole of `expr` matches `pattern` (POSIX-compatible syntax, no backslashes). -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    ({{ expr }} ~ '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}


{#- A cast of text already checked to have the type's shape (staging checks first): where the
    engine has one, a cast that gives null instead of failing, as a second guard. -#}
{% macro checked_cast(expr, type) -%}
    {{ return(adapter.dispatch('checked_cast')(expr, type)) }}
{%- endmacro %}

{% macro default__checked_cast(expr, type) -%}
    cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro duckdb__checked_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}


{#- `expr` without the spaces and tabs around it (most fields have none: the LIKE tests are
    much cheaper than a trim). -#}
{% macro trim_blanks(expr) -%}
    (case when {{ expr }} like ' %' or {{ expr }} like '% ' or {{ expr }} like chr(9) || '%'
        or {{ expr }} like '%' || chr(9) then {{ adapter.dispatch('trim_chars')(expr, "' ' || chr(9)") }}
        else {{ expr }} end)
{%- endmacro %}

{% macro default__trim_chars(expr, chars) -%}
    btrim({{ expr }}, {{ chars }})
{%- endmacro %}

{% macro duckdb__trim_chars(expr, chars) -%}
    trim({{ expr }}, {{ chars }})
{%- endmacro %}


{#- The hex MD5 of a text's UTF-8 bytes (the id of a quarantine record). -#}
{% macro md5_hex(expr) -%}
    {{ return(adapter.dispatch('md5_hex')(expr)) }}
{%- endmacro %}

{% macro default__md5_hex(expr) -%}
    md5({{ expr }})
{%- endmacro %}


{#- A timestamp as `YYYY-MM-DD HH:MM:SS`, then `.ffffff` unless its microseconds are zero. -#}
{% macro timestamp_text(expr) -%}
    {{ return(adapter.dispatch('timestamp_text')(expr)) }}
{%- endmacro %}

{% macro default__timestamp_text(expr) -%}
    (to_char({{ expr }}, 'YYYY-MM-DD HH24:MI:SS')
        || case when to_char({{ expr }}, 'US') = '000000' then '' else '.' || to_char({{ expr }}, 'US') end)
{%- endmacro %}

{% macro duckdb__timestamp_text(expr) -%}
    (strftime({{ expr }}, '%Y-%m-%d %H:%M:%S')
        || case when strftime({{ expr }}, '%f') = '000000' then '' else '.' || strftime({{ expr }}, '%f') end)
{%- endmacro %}


{#- `ts` moved back by `minutes` minutes (a UTC offset). -#}
{% macro minus_minutes(ts, minutes) -%}
    {{ return(adapter.dispatch('minus_minutes')(ts, minutes)) }}
{%- endmacro %}

{% macro default__minus_minutes(ts, minutes) -%}
    ({{ ts }} - {{ minutes }} * interval '1 minute')
{%- endmacro %}


{#- Put after `<cte> as`: where the engine would otherwise inline the CTE into every column that
    reads it (PostgreSQL does), computing its long reason expressions once per reference, this
    computes it once. -#}
{% macro computed_once() -%}
    {{ return(adapter.dispatch('computed_once')()) }}
{%- endmacro %}

{% macro default__computed_once() -%}
{%- endmacro %}

{% macro postgres__computed_once() -%}
    materialized
{%- endmacro %}
