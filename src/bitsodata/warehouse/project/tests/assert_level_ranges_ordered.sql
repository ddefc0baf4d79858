-- SCD2 ranges are ordered: valid_from < valid_to.
select * from {{ ref('dim_user_level_history') }}
where valid_to is not null and valid_to <= valid_from
