"""Numbers measured on the two real challenge files; the sample generator draws from them.

Everything here comes from ``withdrawals_sample_data.csv`` (5,098 rows) and
``user_id_sample_data.csv`` (25,699 ids) unless a comment says it is an assumption (the three
other files are not available).
"""

from __future__ import annotations

from typing import Final

REAL_USERS: Final = 25_699
"""Distinct ids in the real user snapshot."""
REAL_WITHDRAWALS: Final = 5_098
"""Rows of the real withdrawals file."""
DEPOSITS_PER_WITHDRAWAL: Final = 4.0
"""Assumption: deposits are more frequent than withdrawals (fund often, cash out less often)."""
EVENTS_PER_USER: Final = 12.0
"""Assumption: the real event file is large (> 4 MiB); 24,189 of 25,699 users have logins in a
public derived table, so about a dozen events per user."""

START_DAY: Final = "2020-01-02"
"""First day of data (a public solution's daily partitions start here; the first real withdrawal is
2020-01-07)."""
END_DAY: Final = "2023-08-23"
"""Last day of data (the last real withdrawal is 2023-08-23 17:41 UTC)."""

MONTH_WEIGHTS: Final = (
    # 2020-01 .. 2020-12
    54, 119, 142, 154, 216, 147, 96, 153, 175, 185, 103, 166,
    # 2021
    85, 96, 279, 295, 145, 141, 214, 165, 78, 80, 91, 99,
    # 2022
    47, 170, 131, 44, 182, 116, 38, 64, 97, 78, 95, 37,
    # 2023-01 .. 2023-08
    59, 134, 128, 32, 59, 27, 64, 18,
)  # fmt: skip
"""Real withdrawals per calendar month (2020: 1,710 · 2021: 1,768 · 2022: 1,099 · 2023: 521)."""

HOUR_WEIGHTS: Final = (
    212, 141, 126, 81, 97, 105, 44, 30, 31, 45, 39, 76,
    137, 183, 280, 455, 407, 468, 389, 400, 402, 379, 270, 301,
)  # fmt: skip
"""Real withdrawals per UTC hour (Mexico's afternoon and evening dominate)."""

WEEKDAY_WEIGHTS: Final = (818, 1137, 1043, 1103, 726, 146, 125)
"""Real withdrawals per weekday, Monday first (weekends are quiet)."""

CURRENCIES: Final = (
    ("mxn", 2342, 77.0), ("usd", 638, 24.05), ("btc", 447, 0.005), ("brl", 425, 20.0),
    ("ars", 286, 100.0), ("eth", 218, 0.2), ("xrp", 197, 2.0), ("cop", 144, 903.6),
    ("dai", 105, 4.55), ("usdt", 39, 1.25), ("ltc", 34, 1.0), ("tusd", 33, 1.11),
    ("ada", 30, 1.65), ("ape", 19, 100.0), ("bch", 16, 1.0), ("bat", 16, 1.14),
    ("mana", 15, 3.8), ("tigres", 10, 2.0), ("grt", 9, 10_000.0), ("matic", 8, 1.5),
    ("eur", 8, 1_100.0), ("aave", 7, 1.0), ("dot", 7, 0.021), ("dydx", 5, 1_000.0),
    ("sol", 5, 1.0), ("gala", 5, 50.0), ("pepe", 4, 1_210_191.0), ("crv", 4, 4.5),
    ("comp", 3, 2.0), ("trx", 3, 3.0), ("chz", 2, 1.0), ("sushi", 2, 11.0),
    ("doge", 2, 1_000.0), ("atom", 2, 50.0), ("gnt", 1, 1.0), ("avax", 1, 1.33),
    ("lrc", 1, 5.0), ("yfi", 1, 100.0), ("shib", 1, 1_000.0), ("ftm", 1, 5_000.0),
    ("link", 1, 1.0), ("ldo", 1, 2_000.0),
)  # fmt: skip
"""(code, real withdrawal count, real median amount in native units) for the 42 real currencies."""

AMOUNT_LOG_SIGMA: Final = 1.7
"""Spread of amounts around a currency's median (natural log; real p10/p90 span ~3.5 decades)."""
ROUND_AMOUNT_SHARE: Final = 0.8
"""Real: 3,843 of 5,098 amounts have no decimals; most of the rest have 2 or 8."""
TWO_DECIMALS_SHARE: Final = 0.1
"""Share of amounts with exactly two decimals (real: 596 rows); the rest get up to eight."""

FAILED_SHARE: Final = 0.362
"""Real: 1,847 of 5,098 withdrawals failed; per user the failed share is spread (median 0.2)."""
FAIL_BETA: Final = (0.9, 1.6)
"""Beta(a, b) of a user's failure propensity: mean 0.36, wide like the real per-user shares."""
APP_SHARE_BY_YEAR: Final = {2020: 0.228, 2021: 0.225, 2022: 0.131, 2023: 0.056}
"""Real share of ``app`` (vs ``web``) per year; 301 of 324 users used one interface only."""
INTERFACE_STICKINESS: Final = 0.97
"""Probability a transaction uses the user's usual interface."""
HOME_CURRENCY_SHARE: Final = 0.7
"""Probability a transaction is in the user's usual currency (real: 199 of 324 users used one)."""

WITHDRAWER_SHARE: Final = 324 / 25_699
"""Real: 324 of the 25,699 users withdrew."""
DEPOSITOR_SHARE: Final = 0.16
"""Assumption: about one user in six ever deposits."""
EVENT_USER_SHARE: Final = 24_189 / 25_699
"""Users with events (a public derived login table has 24,189 users)."""
LEVEL_USER_SHARE: Final = 0.9
"""Assumption: users with at least one row in the level history."""
LATE_USER_SHARE: Final = 0.001
"""Users that appear in facts but not (yet) in the user snapshot (late-arriving dimension)."""
ACTIVITY_LOG_SIGMA: Final = 1.4
"""Heavy-tailed activity per user: real withdrawals per user have median 4 and mean 15.7."""
MEAN_LIFETIME_DAYS: Final = 500.0
"""Assumption: a user stays active about 500 days; a third stay until the end."""
SESSION_FOLLOW_UP: Final = 0.45
"""Real: 41 % of a user's consecutive withdrawals are less than 10 minutes apart."""

SUBMILLISECOND_SHARE: Final = 0.005
"""Real: 22 of 5,098 timestamps carry microseconds; the rest milliseconds (trailing 0s dropped)."""
DUPLICATE_DEPOSIT_SHARE: Final = 0.003
"""Assumption: a public solution reports exact duplicate rows in the deposit file."""
NEGATIVE_SHARE: Final = 1 / 5_098
"""Real: one negative amount (-10 mxn, failed)."""
ABSURD_SHARE: Final = 8 / 5_098
"""Real: a handful of complete test-like amounts of 10^9 .. 10^13."""

EVENT_NAMES: Final = (
    ("login", 0.44), ("2falogin", 0.27), ("login_api", 0.0), ("cookies_accepted", 0.12),
    ("2fa_wrong", 0.05), ("email_verified", 0.0), ("document_verified", 0.03),
    ("api_key_created", 0.015), ("api_key_deleted", 0.008), ("2faon", 0.03), ("2faoff", 0.012),
    ("account_suspended", 0.003), ("account_terminated", 0.002), ("level_change_up", 0.0),
    ("level_change_down", 0.0), ("country_updated", 0.0),
)  # fmt: skip
"""The 16 real event names with assumed weights for ordinary users. ``login_api`` comes from API
users, ``email_verified`` marks a user's first day, the level and country events mirror the level
history."""
API_USER_SHARE: Final = 0.06
"""Assumption: users that mostly log in through the API (``login_api``)."""
API_LOGIN_SHARE: Final = 0.8
"""Share of an API user's events that are ``login_api``."""
API_USER_ACTIVITY: Final = 4.0
"""Assumption: API users (bots) produce four times as many events as others."""
WITHDRAWER_BOOST: Final = 1.4
"""More users get a withdrawal habit than the real 324 because quiet ones draw no row at all."""

JURISDICTIONS: Final = (("mx", 0.62), ("ar", 0.12), ("br", 0.12), ("co", 0.08), ("us", 0.04),
                        ("es", 0.02))  # fmt: skip
"""Assumption: country codes of Bitso's markets."""
LEVEL_CHANGE_PER_MONTH: Final = 0.03
"""Assumption: monthly chance that an active user's level changes (mostly up, 0..3)."""
COUNTRY_CHANGE_PER_MONTH: Final = 0.004
"""Assumption: monthly chance that an active user's jurisdiction changes."""
