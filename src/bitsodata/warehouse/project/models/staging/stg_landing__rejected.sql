-- The records staging rejected, from every source file of the batch: the quarantine records,
-- with the reason users see (the bad field quoted as Python's repr quotes it).
{%- set staged = ['stg_landing__deposits', 'stg_landing__withdrawals', 'stg_landing__events',
                  'stg_landing__user_levels', 'stg_landing__users'] %}
with rejected as (
    {%- for model in staged %}
    select source, raw_line, rejected_because, rejected_value
    from {{ ref(model) }}
    where rejected_because is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select distinct
        {{ md5_hex("source || chr(10) || raw_line") }} as quarantine_id,
        source,
        cast(null as varchar) as natural_key,
        case when rejected_value is null then rejected_because
            else rejected_because || {{ shown('rejected_value') }} end as reason,
        raw_line
    from rejected
)

select * from final
