{#- How staging checks and types the text fields of the landing tables. Each `*_reason` macro
    gives the quarantine reason of a field (null when the field is good); the reasons quote the
    field as Python's repr would (`shown`), at most 40 characters. Fields arrive trimmed. -#}


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
        when not {{ regex_full_match(expr, '[0-9]{1,18}') }} then 'missing or invalid {{ column }} ' || {{ shown(expr) }}
    end
{%- endmacro %}

{% macro code_reason(expr, column) -%}
    case
        when {{ expr }} = '' then 'missing {{ column }}'
        when {{ regex_full_match(expr, '[0-9A-Za-z_-]{1,' ~ var('max_code_length') ~ '}') }} then null
        when length({{ expr }}) > {{ var('max_code_length') }} then '{{ column }} longer than {{ var('max_code_length') }} characters'
        else 'invalid {{ column }} ' || {{ shown(expr) }}
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
            then 'amount out of range ({{ digits }} integer digits, 18 decimals) ' || {{ shown(expr) }}
        else 'unparseable amount ' || {{ shown(expr) }}
    end
{%- endmacro %}

{% macro level_reason(expr) -%}
    case
        when {{ expr }} = '' then 'missing level'
        when not {{ regex_full_match(expr, '-?[0-9]{1,9}') }} then 'unparseable level ' || {{ shown(expr) }}
    end
{%- endmacro %}

{#- An event time as the exports write it: `YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}]` and an optional UTC
    offset (`Z`, `+HH`, `+HHMM`, `+HH:MM`). `local_timestamp` is its wall-clock time (null unless
    it is a real instant: no 2021-02-29, no 24:00, no second 60), `offset_minutes` its offset. -#}
{% macro local_timestamp(expr) -%}
    {%- set y = "cast(substring(" ~ expr ~ ", 1, 4) as integer)" -%}
    {%- set m = "cast(substring(" ~ expr ~ ", 6, 2) as integer)" -%}
    {%- set d = "cast(substring(" ~ expr ~ ", 9, 2) as integer)" -%}
    {%- set hh = "cast(substring(" ~ expr ~ ", 12, 2) as integer)" -%}
    {%- set mi = "cast(substring(" ~ expr ~ ", 15, 2) as integer)" -%}
    {%- set ss = "cast(substring(" ~ expr ~ ", 18, 2) as integer)" -%}
    case when {{ regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?') }} then
        case when {{ y }} >= 1 and {{ m }} between 1 and 12
            and {{ hh }} <= 23 and {{ mi }} <= 59 and {{ ss }} <= 59
            and {{ d }} between 1 and case
                when {{ m }} in (4, 6, 9, 11) then 30
                when {{ m }} <> 2 then 31
                when {{ y }} % 4 = 0 and ({{ y }} % 100 <> 0 or {{ y }} % 400 = 0) then 29
                else 28 end
        then {{ checked_cast("left(" ~ expr ~ ", 10) || ' ' || substring(" ~ expr ~ ", 12, 8) || regexp_replace(substring(" ~ expr ~ ", 20), '[Z+-].*', '')", 'timestamp') }}
        end
    end
{%- endmacro %}

{% macro offset_minutes(expr) -%}
    {%- set zone = "regexp_replace(regexp_replace(substring(" ~ expr ~ ", 20), '^[.][0-9]*', ''), '[^0-9]', '', 'g')" -%}
    (case when substring({{ expr }}, 20) like '%-%' then -1 else 1 end) * (case when {{ zone }} = '' then 0
        else cast(left({{ zone }}, 2) as integer) * 60 + cast(coalesce(nullif(substring({{ zone }}, 3, 2), ''), '0') as integer) end)
{%- endmacro %}

{#- The reason of an event time given its text, wall-clock time and UTC time. -#}
{% macro event_time_reason(expr, local, utc) -%}
    case
        when {{ expr }} = '' then 'missing event_timestamp'
        when {{ local }} is null then 'unparseable timestamp ' || {{ shown(expr) }}
        when extract(year from {{ utc }}) not between 1 and 9999 then 'timestamp out of range ' || {{ shown(expr) }}
        when {{ utc }} < cast('{{ var("earliest_event_at") }}' as timestamp) or {{ utc }} > cast('{{ var("latest_event_at") }}' as timestamp)
            then 'implausible event_timestamp ' || {{ timestamp_text(utc) }}
                || ' (outside {{ var("earliest_event_at") }} .. {{ var("latest_event_at") }} UTC)'
    end
{%- endmacro %}

{#- The quarantine record's id: the same line of the same source always gets the same one. -#}
{% macro quarantine_id(source_name) -%}
    {{ md5_hex("'" ~ source_name ~ "' || chr(10) || raw_line") }}
{%- endmacro %}
