-- The eight business questions, parameterised (:name placeholders; bitsodata.warehouse.questions
-- binds them for DuckDB and PostgreSQL). Run one with `bitsodata warehouse ask NAME ...`.
--
-- Definitions (docs/warehouse.md):
-- * a deposit or withdrawal "made" is one with tx_status = 'complete'; failed ones are in
--   fct_transaction (is_complete = false) but never count;
-- * a day D is the UTC calendar day [D 00:00, D+1 00:00): facts carry date_key = the UTC date of
--   occurred_at, so "on day D" is an equality on a date, never a comparison of timestamps;
-- * a login is an event named login, 2falogin or login_api (fct_event.is_login);
-- * "between two dates" includes both dates;
-- * "more than N deposits historically on day D" counts complete deposits up to the end of D;
-- * amounts are exact decimals, summed per currency only.

-- name: active-users
-- Q1. How many users were active on day :day (made a complete deposit or withdrawal).
select count(*) as n_active_users
from mart_user_daily
where date_key = :day and is_active;

-- name: users-without-deposit
-- Q2. Users (from the user snapshot, plus inferred members) that never made a complete deposit.
-- Millions of ids at scale: `ask` sorts them itself (dim_user is stored in user order, so that
-- is a linear pass); add `order by user_id` when running it by hand.
select user_id
from dim_user
where n_deposits = 0;

-- name: frequent-depositors
-- Q3. Users with more than :more_than complete deposits up to the end of day :day.
-- n_deposits_to_date is a user's running count, so it passed :more_than on or before :day exactly
-- when some row up to :day is above it: a filter, no sum over each user's whole history.
select distinct user_id
from mart_user_daily
where date_key <= :day and n_deposits_to_date > :more_than
order by user_id;

-- name: last-login
-- Q4. When user :user_id last logged in (any of login, 2falogin, login_api); null if never.
select last_login_at
from dim_user
where user_id = :user_id;

-- name: login-count
-- Q5. How many logins user :user_id made from day :date_from to day :date_to, both included.
select coalesce(sum(n_logins), 0) as n_logins
from mart_user_daily
where user_id = :user_id and date_key >= :date_from and date_key <= :date_to;

-- name: deposit-currencies
-- Q6. Number of distinct currencies with a complete deposit on day :day.
select count(distinct currency_code) as n_currencies
from mart_user_currency_daily
where date_key = :day and n_deposits > 0;

-- name: withdrawal-currencies
-- Q7. Number of distinct currencies with a complete withdrawal on day :day.
select count(distinct currency_code) as n_currencies
from mart_user_currency_daily
where date_key = :day and n_withdrawals > 0;

-- name: deposit-total
-- Q8. Total amount of complete deposits of currency :currency on day :day (exact decimal).
select coalesce(sum(amount_deposited), 0) as amount_deposited
from mart_user_currency_daily
where date_key = :day and currency_code = :currency and n_deposits > 0;

-- Time-zone variants (`--tz ZONE`): a day D is then [D 00:00, D+1 00:00) in that zone. The loader
-- passes the two instants in UTC (:day_start, :day_end; :from_start, :to_end) and the facts are
-- filtered with a half-open range on occurred_at — never BETWEEN, never `<= 'D'`.
-- users-without-deposit and last-login do not depend on the zone.

-- name: active-users@tz
select count(distinct user_id) as n_active_users
from fct_transaction
where is_complete and occurred_at >= :day_start and occurred_at < :day_end;

-- name: frequent-depositors@tz
select user_id
from fct_transaction
where transaction_kind = 'deposit' and is_complete and occurred_at < :day_end
group by user_id
having count(*) > :more_than
order by user_id;

-- name: login-count@tz
select count(*) as n_logins
from fct_event
where user_id = :user_id and is_login and occurred_at >= :from_start and occurred_at < :to_end;

-- name: deposit-currencies@tz
select count(distinct currency_code) as n_currencies
from fct_transaction
where transaction_kind = 'deposit' and is_complete
    and occurred_at >= :day_start and occurred_at < :day_end;

-- name: withdrawal-currencies@tz
select count(distinct currency_code) as n_currencies
from fct_transaction
where transaction_kind = 'withdrawal' and is_complete
    and occurred_at >= :day_start and occurred_at < :day_end;

-- name: deposit-total@tz
select coalesce(sum(amount), 0) as amount_deposited
from fct_transaction
where transaction_kind = 'deposit' and is_complete and currency_code = :currency
    and occurred_at >= :day_start and occurred_at < :day_end;
