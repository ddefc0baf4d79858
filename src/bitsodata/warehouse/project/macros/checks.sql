{#- How staging checks and types the text fields of the landing tables. Each `*_reason` macro
    gives the quarantine reason of a field (null when the field is good), marked: a reason that
    quotes the field ends with chr(1) and the field. Staging splits the first failing one into
    `rejected_because` and `rejected_value`; `stg_landing__rejected` quotes the value as Python's
    repr would (`shown`, at most 40 characters) once for every source, and only for the rows it
    rejects (the quoting is a long expression: planning it per model cost a daily batch). Fields
    arrive trimmed. -#}


{#- The field quoted as Python's repr quotes it: backslashes and non-printable characters
    escaped, double quotes when it holds a single quote and no double quote; at most 40
    characters of it, then its length. -#}
{% macro shown(expr) -%}
    {%- set named = {9: 't', 10: 'n', 13: 'r'} -%}
    {%- set wide = [8203, 8204, 8205, 8206, 8207, 8232, 8233, 8288, 65279] -%}
    {%- set head = 'left(' ~ expr ~ ', 40)' -%}
    {%- set ns = namespace(s="replace(replace(" ~ head ~ ", '\\', '\\\\'), '\\\\x00', '\\x00')") -%}
    {%- for c in range(1, 32) | list + range(127, 161) | list + [173] -%}
        {%- set escaped = named[c] if c in named else 'x%02x' | format(c) -%}
        {%- set ns.s = "replace(" ~ ns.s ~ ", chr(" ~ c ~ "), '\\" ~ escaped ~ "')" -%}
    {%- endfor -%}
    {%- for c in wide -%}
        {%- set ns.s = "replace(" ~ ns.s ~ ", chr(" ~ c ~ "), '\\u%04x')" | format(c) -%}
    {%- endfor -%}
    {%- set doubled = "position('''' in " ~ head ~ ") > 0 and position('\"' in " ~ head ~ ") = 0" -%}
    (case when {{ doubled }} then '"' else '''' end
        || replace({{ ns.s }}, '''', case when {{ doubled }} then '''' else '\''' end)
        || case when {{ doubled }} then '"' else '''' end
        || case when length({{ expr }}) > 40 then '... (' || cast(length({{ expr }}) as varchar) || ' characters)' else '' end)
{%- endmacro %}

{% macro id_reason(expr, column) -%}
    case
        when {{ expr }} = '' then 'missing {{ column }}'
        when not {{ regex_full_match(expr, '[0-9]{1,18}') }} then 'missing or invalid {{ column }} ' || chr(1) || {{ expr }}
    end
{%- endmacro %}

{% macro code_reason(expr, column) -%}
    case
        when {{ expr }} = '' then 'missing {{ column }}'
        when {{ regex_full_match(expr, '[0-9A-Za-z_-]{1,' ~ var('max_code_length') ~ '}') }} then null
        when length({{ expr }}) > {{ var('max_code_length') }} then '{{ column }} longer than {{ var('max_code_length') }} characters'
        else 'invalid {{ column }} ' || chr(1) || {{ expr }}
    end
{%- endmacro %}

{#- A code that may be blank (then null). -#}
{% macro optional_code_reason(expr, column) -%}
    case when {{ expr }} <> '' then {{ code_reason(expr, column) }} end
{%- endmacro %}

{% macro amount_reason(expr) -%}
    {%- set digits = var('max_amount_digits') -%}
    case
        when {{ regex_full_match(expr, '-?[0-9]{1,' ~ digits ~ '}([.][0-9]{1,18})?') }} then null
        when {{ regex_full_match(expr, '-?[0-9]+([.][0-9]+)?') }}
            then 'amount out of range ({{ digits }} integer digits, 18 decimals) ' || chr(1) || {{ expr }}
        else 'unparseable amount ' || chr(1) || {{ expr }}
    end
{%- endmacro %}

{% macro level_reason(expr) -%}
    case
        when {{ expr }} = '' then 'missing level'
        when not {{ regex_full_match(expr, '-?[0-9]{1,9}') }} then 'unparseable level ' || chr(1) || {{ expr }}
    end
{%- endmacro %}

{#- An event time as the exports write it: `YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}]` and an optional UTC
    offset (`Z`, `+HH`, `+HHMM`, `+HH:MM`), read in three steps: `time_shaped` (the shape),
    `zone_length` (the offset's characters at the end), then `local_timestamp` (the wall-clock
    time; null unless a real one: no 2021-02-29, no year 0) and `offset_minutes`. -#}
{% macro time_shaped(expr) -%}
    {{ regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?') }}
{%- endmacro %}

{% macro zone_length(expr) -%}
    case
        when right({{ expr }}, 1) = 'Z' then 1
        when substring({{ expr }}, length({{ expr }}) - 2, 1) in ('+', '-') then 3
        when substring({{ expr }}, length({{ expr }}) - 4, 1) in ('+', '-') then 5
        when substring({{ expr }}, length({{ expr }}) - 5, 1) in ('+', '-') then 6
        else 0
    end
{%- endmacro %}

{#- The wall-clock time of a shaped event time whose offset has `zone` characters. -#}
{% macro local_timestamp(expr, zone) -%}
    {{ return(adapter.dispatch('local_timestamp')(expr, zone)) }}
{%- endmacro %}

{#- Engines whose cast fails on an impossible day: check the calendar first. -#}
{% macro default__local_timestamp(expr, zone) -%}
    {%- set y = "cast(substring(" ~ expr ~ ", 1, 4) as integer)" -%}
    {%- set m = "cast(substring(" ~ expr ~ ", 6, 2) as integer)" -%}
    {%- set d = "cast(substring(" ~ expr ~ ", 9, 2) as integer)" -%}
    case when {{ y }} >= 1 and {{ m }} between 1 and 12
        and {{ d }} between 1 and case
            when {{ m }} in (4, 6, 9, 11) then 30
            when {{ m }} <> 2 then 31
            when {{ y }} % 4 = 0 and ({{ y }} % 100 <> 0 or {{ y }} % 400 = 0) then 29
            else 28 end
    then cast(replace(left({{ expr }}, length({{ expr }}) - {{ zone }}), 'T', ' ') as timestamp)
    end
{%- endmacro %}

{#- DuckDB's try_cast gives null for an impossible day (year 0 it would take as 1 BC). -#}
{% macro duckdb__local_timestamp(expr, zone) -%}
    case when left({{ expr }}, 4) <> '0000'
    then try_cast(replace(left({{ expr }}, length({{ expr }}) - {{ zone }}), 'T', ' ') as timestamp)
    end
{%- endmacro %}

{% macro offset_minutes(expr, zone) -%}
    case when {{ zone }} >= 3 then
        (case when right({{ expr }}, {{ zone }}) like '-%' then -1 else 1 end)
        * (cast(substring(right({{ expr }}, {{ zone }}), 2, 2) as integer) * 60
            + case when {{ zone }} >= 5 then cast(right({{ expr }}, 2) as integer) else 0 end)
    else 0 end
{%- endmacro %}

{#- The reason of an event time given its text, wall-clock time and UTC time. -#}
{% macro event_time_reason(expr, local, utc) -%}
    case
        when {{ expr }} = '' then 'missing event_timestamp'
        when {{ local }} is null then 'unparseable timestamp ' || chr(1) || {{ expr }}
        when extract(year from {{ utc }}) not between 1 and 9999 then 'timestamp out of range ' || chr(1) || {{ expr }}
        when {{ utc }} < cast('{{ var("earliest_event_at") }}' as timestamp) or {{ utc }} > cast('{{ var("latest_event_at") }}' as timestamp)
            then 'implausible event_timestamp ' || {{ timestamp_text(utc) }}
                || ' (outside {{ var("earliest_event_at") }} .. {{ var("latest_event_at") }} UTC)'
    end
{%- endmacro %}

{#- The CTEs that read the event time `expr` of the rows of CTE `rows`: they add `local_at`,
    `offset_minutes` and `utc_at` (null unless the text is a real time). -#}
{% macro event_time_ctes(rows, expr) -%}
zoned as (
    select *, case when {{ time_shaped(expr) }} then {{ zone_length(expr) }} end as zone_length
    from {{ rows }}
),

timed as (
    select
        *,
        case when zone_length is not null then {{ local_timestamp(expr, 'zone_length') }} end as local_at,
        case when zone_length is not null then {{ offset_minutes(expr, 'zone_length') }} end as offset_minutes
    from zoned
),

utc as (
    select *, {{ minus_minutes('local_at', 'offset_minutes') }} as utc_at
    from timed
)
{%- endmacro %}

{#- A marked reason split: the reason without the field it quotes, and that field (or null). -#}
{% macro reason_head(marked) -%}
    case when position(chr(1) in {{ marked }}) > 0
        then left({{ marked }}, position(chr(1) in {{ marked }}) - 1) else {{ marked }} end
{%- endmacro %}

{% macro reason_value(marked) -%}
    case when position(chr(1) in {{ marked }}) > 0
        then substring({{ marked }}, position(chr(1) in {{ marked }}) + 1) end
{%- endmacro %}
