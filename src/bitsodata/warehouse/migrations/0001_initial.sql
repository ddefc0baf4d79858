-- Physical tables of the warehouse (DuckDB and PostgreSQL share this DDL).
-- Every timestamp is UTC, stored without a zone (`*_at`); every amount is an exact decimal(38,18).
-- Keys are declared as column comments ("key", "references table.column") instead of constraints
-- on the user-keyed tables: the loader rebuilds the rows of the users a batch touches (which hard
-- foreign keys would block), and DuckDB keeps every constraint index in memory and loads it whole
-- on a process's first write, so each daily run would pay for the whole history. Uniqueness is
-- guaranteed by the merge and verified by `warehouse checks`; the small tables keep real keys.
create table if not exists user_snapshot (
    user_id varchar not null
);
create table if not exists fct_transaction (
    transaction_kind varchar not null,
    transaction_id bigint not null,
    user_id varchar not null,
    occurred_at timestamp not null,
    date_key date not null,
    currency_code varchar not null,
    amount decimal(38, 18) not null,
    interface varchar,
    tx_status varchar not null,
    is_complete boolean not null
);
create table if not exists fct_event (
    event_id bigint not null,
    user_id varchar not null,
    occurred_at timestamp not null,
    date_key date not null,
    event_name varchar not null,
    is_login boolean not null
);
create table if not exists fct_user_level_change (
    user_id varchar not null,
    changed_at timestamp not null,
    jurisdiction varchar not null,
    level integer not null
);
create table if not exists dim_user_level_history (
    user_id varchar not null,
    valid_from timestamp not null,
    valid_to timestamp,
    jurisdiction varchar not null,
    level integer not null,
    is_current boolean not null
);
create table if not exists dim_user (
    user_id varchar not null,
    is_inferred boolean not null,
    first_seen_at timestamp,
    first_deposit_at timestamp,
    last_deposit_at timestamp,
    n_deposits bigint not null,
    first_withdrawal_at timestamp,
    last_withdrawal_at timestamp,
    n_withdrawals bigint not null,
    last_login_at timestamp,
    n_logins bigint not null,
    current_jurisdiction varchar,
    current_level integer
);
create table if not exists dim_date (
    date_key date primary key,
    year integer not null,
    month integer not null,
    day_of_month integer not null,
    iso_day_of_week integer not null,
    is_weekend boolean not null
);
create table if not exists dim_currency (
    currency_code varchar primary key,
    is_fiat boolean not null
);
create table if not exists mart_user_daily (
    user_id varchar not null,
    date_key date not null,
    n_deposits bigint not null,
    n_withdrawals bigint not null,
    n_failed_transactions bigint not null,
    n_logins bigint not null,
    n_events bigint not null,
    n_deposits_to_date bigint not null,
    is_active boolean not null
);
create table if not exists mart_user_currency_daily (
    user_id varchar not null,
    date_key date not null,
    currency_code varchar not null,
    n_deposits bigint not null,
    amount_deposited decimal(38, 18) not null,
    n_withdrawals bigint not null,
    amount_withdrawn decimal(38, 18) not null
);
create table if not exists quarantine (
    quarantine_id varchar primary key,
    source varchar not null,
    natural_key varchar,
    reason varchar not null,
    raw_line varchar not null
);
comment on column user_snapshot.user_id is 'key, references dim_user.user_id';
comment on column fct_transaction.currency_code is 'references dim_currency.currency_code';
comment on column fct_transaction.date_key is 'references dim_date.date_key';
comment on column fct_transaction.transaction_id is 'key';
comment on column fct_transaction.transaction_kind is 'key';
comment on column fct_transaction.user_id is 'references dim_user.user_id';
comment on column fct_event.date_key is 'references dim_date.date_key';
comment on column fct_event.event_id is 'key';
comment on column fct_event.user_id is 'references dim_user.user_id';
comment on column fct_user_level_change.changed_at is 'key';
comment on column fct_user_level_change.user_id is 'key, references dim_user.user_id';
comment on column dim_user_level_history.user_id is 'key, references dim_user.user_id';
comment on column dim_user_level_history.valid_from is 'key';
comment on column dim_user.user_id is 'key';
comment on column mart_user_daily.date_key is 'key, references dim_date.date_key';
comment on column mart_user_daily.user_id is 'key, references dim_user.user_id';
comment on column mart_user_currency_daily.currency_code is 'key, references dim_currency.currency_code';
comment on column mart_user_currency_daily.date_key is 'key, references dim_date.date_key';
comment on column mart_user_currency_daily.user_id is 'key, references dim_user.user_id';
