{#- How staging checks and types the text fields of the landing tables. Each `*_reason` macro
    gives the quarantine reason of a field (null when the field is good), marked: a reason that
    quotes the field ends with the mark (`mark()`, chr(1)) and the field. Staging splits the
    first failing one into `rejected_because` and `rejected_value`; `stg_landing__rejected`
    quotes the value as Python's repr would (`shown`, at most 40 characters) once for every
    source, and only for the rows it rejects (the quoting is a long expression: planning it per
    model cost a daily batch). Fields arrive trimmed. -#}


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

{#- Every check is written for what it costs DuckDB to plan: a staging statement over a daily
    batch's few hundred rows costs its parsing, binding, optimizing and set-up, not its rows,
    ~10-40 us for each function or operator in it here. So each check uses as few functions as
    it needs, and no counted repetition of a wide class in a regular expression: RE2 compiles
    `[0-9A-Za-z_-]{1,64}` (once a statement) as 64 copies, ~0.15 ms more than `+` beside a length
    test, which costs the same per row. Nothing here costs a big load more per row: there a
    regular expression beats the string functions (`ltrim(x, '<allowed>') = ''` is ~15x slower
    than `[0-9A-Za-z_-]+`). -#}

{% macro id_reason(expr, column) -%}
    case
        when {{ expr }} = '' then 'missing {{ column }}'
        when length({{ expr }}) > 18 or not {{ regex_full_match(expr, '[0-9]+') }}
            then 'missing or invalid {{ column }} {{ mark() }}' || {{ expr }}
    end
{%- endmacro %}

{% macro code_reason(expr, column) -%}
    {%- set longest = var('max_code_length') -%}
    case
        when {{ expr }} = '' then 'missing {{ column }}'
        when length({{ expr }}) > {{ longest }} then '{{ column }} longer than {{ longest }} characters'
        when {{ regex_full_match(expr, '[0-9A-Za-z_-]+') }} then null
        else 'invalid {{ column }} {{ mark() }}' || {{ expr }}
    end
{%- endmacro %}

{#- A code that may be blank (then null). -#}
{% macro optional_code_reason(expr, column) -%}
    case when {{ expr }} <> '' then {{ code_reason(expr, column) }} end
{%- endmacro %}

{#- The amount's shape, then its size by one bounded expression (the bounded one alone cannot tell
    out of range from unparseable; string functions counting the digits cost more to plan). -#}
{% macro amount_reason(expr) -%}
    {%- set digits = var('max_amount_digits') -%}
    case
        when {{ regex_full_match(expr, '-?[0-9]{1,' ~ digits ~ '}([.][0-9]{1,18})?') }} then null
        when {{ regex_full_match(expr, '-?[0-9]+([.][0-9]+)?') }}
            then 'amount out of range ({{ digits }} integer digits, 18 decimals) {{ mark() }}' || {{ expr }}
        else 'unparseable amount {{ mark() }}' || {{ expr }}
    end
{%- endmacro %}

{% macro level_reason(expr) -%}
    case
        when {{ expr }} = '' then 'missing level'
        when length(ltrim({{ expr }}, '-')) > 9 or not {{ regex_full_match(expr, '-?[0-9]+') }}
            then 'unparseable level {{ mark() }}' || {{ expr }}
    end
{%- endmacro %}

{#- An event time as the exports write it: `YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}]` and an optional UTC
    offset (`Z`, `+HH`, `+HHMM`, `+HH:MM`). `event_time_ctes` reads it into `utc_at`: null unless
    the text has that shape and is a real time (no 2021-02-29, no year 0). -#}
{% macro time_shaped(expr) -%}
    {{ regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?') }}
{%- endmacro %}

{#- The CTEs that add `utc_at`, the event time `expr` of the rows of CTE `rows` in UTC, ending
    in a CTE named `timed`. -#}
{% macro event_time_ctes(rows, expr) -%}
    {{ return(adapter.dispatch('event_time_ctes')(rows, expr)) }}
{%- endmacro %}

{#- Portable SQL: the offset's length read from the end of the text, then the wall-clock time
    (the calendar checked first: a cast of an impossible day fails) less the offset. Both CTEs
    are computed once (`computed_once`): PostgreSQL would inline each into every column that
    reads it, so a row's shape was matched some fifty times (its event staging ran 30x slower). -#}
{% macro default__event_time_ctes(rows, expr) -%}
zoned as {{ computed_once() }} (
    select *, case when {{ time_shaped(expr) }} then {{ zone_length(expr) }} end as zone_length
    from {{ rows }}
),

timed as {{ computed_once() }} (
    select
        *,
        case when zone_length is not null then {{ minus_minutes(local_timestamp(expr, 'zone_length'), offset_minutes(expr, 'zone_length')) }}
        end as utc_at
    from zoned
)
{%- endmacro %}

{#- DuckDB reads the offset itself. A shaped text has one when it holds a '+', or a '-' after
    the time's ':'; a cast to `timestamptz` applies it (the instant, taken in microseconds since
    the epoch: whatever the session's time zone), while an offset-free (or `Z`) text is UTC, the
    wall-clock time a cast to `timestamp` gives. try_cast gives null for an impossible day; year
    0 it would take as 1 BC. One CTE of a few functions: the portable form costs ~0.9 ms more to
    plan on a daily batch, and 2.5x as much per row on a big load. -#}
{% macro duckdb__event_time_ctes(rows, expr) -%}
timed as (
    select
        *,
        case when {{ time_shaped(expr) }} and left({{ expr }}, 4) <> '0000' then
            case when {{ expr }} like '%+%' or {{ expr }} like '%:%-%'
                then make_timestamp(epoch_us(try_cast({{ expr }} as timestamptz)))
                else try_cast({{ expr }} as timestamp) end
        end as utc_at
    from {{ rows }}
)
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

{#- The wall-clock time of a shaped event time whose offset has `zone` characters, null unless
    the day is on the calendar. -#}
{% macro local_timestamp(expr, zone) -%}
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

{% macro offset_minutes(expr, zone) -%}
    case when {{ zone }} >= 3 then
        (case when right({{ expr }}, {{ zone }}) like '-%' then -1 else 1 end)
        * (cast(substring(right({{ expr }}, {{ zone }}), 2, 2) as integer) * 60
            + case when {{ zone }} >= 5 then cast(right({{ expr }}, 2) as integer) else 0 end)
    else 0 end
{%- endmacro %}

{#- The reason of an event time given its text and UTC time. -#}
{% macro event_time_reason(expr, utc) -%}
    case
        when {{ expr }} = '' then 'missing event_timestamp'
        when {{ utc }} is null then 'unparseable timestamp {{ mark() }}' || {{ expr }}
        when extract(year from {{ utc }}) not between 1 and 9999 then 'timestamp out of range {{ mark() }}' || {{ expr }}
        when {{ utc }} not between timestamp '{{ var("earliest_event_at") }}' and timestamp '{{ var("latest_event_at") }}'
            then 'implausible event_timestamp ' || {{ timestamp_text(utc) }}
                || ' (outside {{ var("earliest_event_at") }} .. {{ var("latest_event_at") }} UTC)'
    end
{%- endmacro %}

{#- The mark between a reason and the field it quotes: chr(1), written into the literal (a call
    of chr() is one more function to plan in every reason). -#}
{% macro mark() -%}
    {{- '\x01' -}}
{%- endmacro %}

{#- A marked reason split: the reason without the field it quotes, and that field (or null). -#}
{% macro reason_head(marked) -%}
    split_part({{ marked }}, '{{ mark() }}', 1)
{%- endmacro %}

{% macro reason_value(marked) -%}
    nullif(substr({{ marked }}, position('{{ mark() }}' in {{ marked }}) + 1), {{ marked }})
{%- endmacro %}
