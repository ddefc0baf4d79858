-- depends_on: {{ ref('int_affected_users') }} (its scope: meta.scope)
-- Every user, with lifetime attributes. A user seen in facts but not (yet) in the user
-- snapshot is an inferred member (is_inferred), completed when the snapshot delivers it.
-- Incremental: a touched user's row is its previous row merged with the recomputed touched days
-- (counts: old total - the touched days' old counts + their new counts; first/last: min/max).
-- A user who lost a fact to a conflicting duplicate (int_withdrawn_users) has every day touched, so
-- the row is rebuilt from int_user_day_activity alone. One union + group by, not a chain of joins:
-- it plans and runs in a fraction of the time.
with rebuilt as (
    select user_id from {{ ref('int_withdrawn_users') }}
),

parts as (
{%- if is_incremental() %}
    -- the previous row (its first/last dropped when the user is rebuilt)
    select
        d.user_id, 'prev' as src, d.is_inferred, r.user_id is not null as is_rebuilt,
        case when r.user_id is null then d.first_seen_at end as first_seen_at,
        case when r.user_id is null then d.first_deposit_at end as first_deposit_at,
        case when r.user_id is null then d.last_deposit_at end as last_deposit_at,
        d.n_deposits,
        case when r.user_id is null then d.first_withdrawal_at end as first_withdrawal_at,
        case when r.user_id is null then d.last_withdrawal_at end as last_withdrawal_at,
        d.n_withdrawals,
        case when r.user_id is null then d.last_login_at end as last_login_at,
        d.n_logins,
        d.current_jurisdiction as jurisdiction,
        d.current_level as level
    from {{ this }} as d
    inner join {{ ref('int_affected_users') }} as a on a.user_id = d.user_id
    left join rebuilt as r on r.user_id = d.user_id
    union all
{%- endif %}
    -- the touched days as the facts now hold them
    select
        user_id, 'act' as src, null as is_inferred, false as is_rebuilt,
        least(first_tx_at, first_event_at) as first_seen_at, first_deposit_at, last_deposit_at,
        n_deposits, first_withdrawal_at, last_withdrawal_at, n_withdrawals, last_login_at,
        n_logins, null as jurisdiction, null as level
    from {{ ref('int_user_day_activity') }}
    union all
    -- minus the touched days as the snapshot held them before this batch
    select
        user_id, 'old', null, false, null, null, null, -n_deposits, null, null, -n_withdrawals,
        null, -n_logins, null, null
    from {{ ref('int_old_tail') }}
    where is_touched
    union all
    select user_id, 'snap', null, false, null, null, null, 0, null, null, 0, null, 0, null, null
    from {{ ref('int_user_accepted') }}
    union all
    -- users whose level history changed: their current version (none left means no level)
    select user_id, 'level_user', null, false, null, null, null, 0, null, null, 0, null, 0, null, null
    from {{ ref('int_level_users') }}
    union all
    select
        h.user_id, 'level', null, false, h.valid_from, null, null, 0, null, null, 0, null, 0,
        h.jurisdiction, h.level
    from {{ ref('dim_user_level_history') }} as h
    inner join {{ ref('int_level_users') }} as u on u.user_id = h.user_id
    where h.is_current
    union all
    -- first level change: this batch's, or the whole history of a rebuilt user
    select user_id, 'first_level', null, false, changed_at, null, null, 0, null, null, 0, null, 0, null, null
    from {{ ref('int_user_level_accepted') }}
    union all
    select
        h.user_id, 'first_level', null, false, h.valid_from, null, null, 0, null, null, 0, null, 0,
        null, null
    from {{ ref('dim_user_level_history') }} as h
    inner join rebuilt as r on r.user_id = h.user_id
),

merged as (
    select
        user_id,
        bool_or(src = 'prev') as existed,
        bool_or(is_rebuilt) as is_rebuilt,
        bool_or(src = 'snap' or (src = 'prev' and not is_inferred)) as in_snapshot,
        bool_or(src in ('snap', 'act', 'level')) as has_rows,
        bool_or(src = 'level_user') as level_changed,
        min(case when src <> 'level' then first_seen_at end) as first_seen_at,
        min(first_deposit_at) as first_deposit_at,
        max(last_deposit_at) as last_deposit_at,
        sum(n_deposits) as n_deposits,
        min(first_withdrawal_at) as first_withdrawal_at,
        max(last_withdrawal_at) as last_withdrawal_at,
        sum(n_withdrawals) as n_withdrawals,
        max(last_login_at) as last_login_at,
        sum(n_logins) as n_logins,
        max(case when src = 'prev' then jurisdiction end) as prev_jurisdiction,
        max(case when src = 'prev' then level end) as prev_level,
        max(case when src = 'level' then jurisdiction end) as new_jurisdiction,
        max(case when src = 'level' then level end) as new_level
    from parts
    group by user_id
),

final as (
    select
        user_id,
        not in_snapshot as is_inferred,
        first_seen_at,
        first_deposit_at,
        last_deposit_at,
        n_deposits,
        first_withdrawal_at,
        last_withdrawal_at,
        n_withdrawals,
        last_login_at,
        n_logins,
        case when level_changed then new_jurisdiction else prev_jurisdiction end as current_jurisdiction,
        case when level_changed then new_level else prev_level end as current_level
    from merged
    where has_rows or (existed and (not is_rebuilt or in_snapshot))
)

select * from final
