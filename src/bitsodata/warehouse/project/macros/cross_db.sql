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


{#- The text of `column` (null as ''), without the spaces and tabs around it. Most fields have
    none, so cheap tests guard the trim: a trim copies the text, and trimming every field of a
    scale-10 event file (3.5 M rows, 4 fields) took ~4 s where the tests take ~0.2 s. -#}
{% macro trim_blanks(column) -%}
    {{ return(adapter.dispatch('trim_blanks')(column)) }}
{%- endmacro %}

{% macro default__trim_blanks(column) -%}
    {%- set tab = '\t' -%}
    (case when {{ column }} like ' %' or {{ column }} like '% ' or {{ column }} like '{{ tab }}%'
        or {{ column }} like '%{{ tab }}' then btrim({{ column }}, ' {{ tab }}')
        else coalesce({{ column }}, '') end)
{%- endmacro %}

{#- DuckDB compares text byte by byte: a text below '!' starts with a blank or another control
    character (where the trim is merely not needed), one test where the start needs two LIKEs;
    `ends_with` is what the optimizer would make of a LIKE '% ', without the rewriting. -#}
{% macro duckdb__trim_blanks(column) -%}
    {%- set tab = '\t' -%}
    (case when {{ column }} < '!' or ends_with({{ column }}, ' ') or ends_with({{ column }}, '{{ tab }}')
        then trim({{ column }}, ' {{ tab }}') else coalesce({{ column }}, '') end)
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

{#- One formatting call whose zero microseconds are then dropped (a '.' appears nowhere else). -#}
{% macro default__timestamp_text(expr) -%}
    replace(to_char({{ expr }}, 'YYYY-MM-DD HH24:MI:SS.US'), '.000000', '')
{%- endmacro %}

{% macro duckdb__timestamp_text(expr) -%}
    replace(strftime({{ expr }}, '%Y-%m-%d %H:%M:%S.%f'), '.000000', '')
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
