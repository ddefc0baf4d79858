{{ config(severity='warn') }}
-- Inferred users: seen in facts, not yet in the user snapshot.
select * from {{ ref('dim_user') }} where is_inferred
