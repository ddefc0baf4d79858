{#- How a version of a row is written down for the quarantine: the same text on every engine, so
    a quarantine id (md5 of "source\nnatural_key\ncontent") does not depend on where it was made. -#}

{% macro quarantine_id(source, natural_key, content) -%}
    {{ md5_hex(source ~ ' || chr(10) || ' ~ natural_key ~ ' || chr(10) || ' ~ content) }}
{%- endmacro %}

{#- `a.k = b.k and ...` over key columns. -#}
{% macro join_on(left, right, columns) -%}
    {%- for c in columns %}{{ left }}.{{ c }} = {{ right }}.{{ c }}{{ " and " if not loop.last }}{% endfor -%}
{%- endmacro %}

{% macro prefixed(alias, columns) -%}
    {%- for c in columns %}{{ alias }}.{{ c }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- The natural key of a row of entity `e` as text, read from the columns of `alias`. -#}
{% macro key_text(alias, e) -%}
    {%- for c in e['key_text'] -%}
        {%- if e['columns'][c] == 'timestamp' %}{{ timestamp_text(alias ~ '.' ~ c) }}{% else %}cast({{ alias }}.{{ c }} as varchar){% endif -%}
        {{ " || '|' || " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- The source file of a row of entity `e` (a column of the row, or one value for the entity). -#}
{% macro source_of(alias, e) -%}
    {%- if e.get('source_column') %}{{ alias }}.{{ e['source_column'] }}{% else %}'{{ e['source_value'] }}'{% endif -%}
{%- endmacro %}

{#- The content of a version as the quarantine writes it down: the `rendered` columns joined by
    commas, timestamps marked UTC, nulls empty. -#}
{% macro rendered(alias, e) -%}
    {%- for c in e['rendered'] -%}
        {%- if e['columns'][c] == 'timestamp' %}{{ timestamp_text(alias ~ '.' ~ c) }} || '+00'
        {%- else %}coalesce(cast({{ alias }}.{{ c }} as varchar), ''){% endif -%}
        {{ " || ',' || " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
