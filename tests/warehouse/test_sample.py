"""The sample generator: exact challenge formats, the real quirks, calibration on the real files."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from bitsodata.errors import WarehouseError
from bitsodata.sample import HEADERS, SampleReport, generate

TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{0,5}[1-9])?\+00$")
AMOUNT = re.compile(r"^-?\d+\.\d{18}$")
LOGINS = {"login", "2falogin", "login_api"}
EVENT_NAMES = {
    "login", "2falogin", "login_api", "email_verified", "level_change_up", "cookies_accepted",
    "level_change_down", "api_key_deleted", "api_key_created", "2fa_wrong", "2faoff", "2faon",
    "account_suspended", "country_updated", "account_terminated", "document_verified",
}  # fmt: skip


@pytest.fixture(scope="module")
def scale1(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleReport]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, seed=7, scale=1.0)


def _head(path: Path) -> list[bytes]:
    with path.open("rb") as src:
        return [src.readline().rstrip(b"\n"), src.readline().rstrip(b"\n")]


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def frames(scale1: tuple[Path, SampleReport]) -> dict[str, pd.DataFrame]:
    return {name: _read(scale1[0], name) for name in HEADERS}


@pytest.fixture
def real(shared_data: Path) -> Path:
    return shared_data / "sr_de_challenge"


def test_headers_are_the_challenge_ones_and_match_the_real_files(
    scale1: tuple[Path, SampleReport], real: Path
) -> None:
    out, _ = scale1
    for name, header in HEADERS.items():
        assert (out / name).read_bytes().split(b"\n", 1)[0].decode() == header
    for name in ("user_id_sample_data.csv", "withdrawals_sample_data.csv"):
        ours, theirs = (_head(folder / name) for folder in (out, real))
        assert ours[0] == theirs[0]
        assert (ours[1] == b"") == (theirs[1] == b""), "blank line after the user_id header"


def test_report_counts_the_rows_written(
    scale1: tuple[Path, SampleReport], frames: dict[str, pd.DataFrame]
) -> None:
    _, report = scale1
    for name, frame in frames.items():
        assert report.rows[name] == len(frame) > 0


def test_timestamps_have_postgres_text_form_with_0_to_6_fraction_digits(
    frames: dict[str, pd.DataFrame],
) -> None:
    digits: Counter[int] = Counter()
    for name, frame in frames.items():
        if "event_timestamp" not in frame:
            continue
        values = frame["event_timestamp"]
        assert values.str.match(TS).all(), name
        digits.update(values.str.extract(r"\.(\d+)\+")[0].str.len().fillna(0).astype(int))
        days = values.str[:10]
        assert days.min() >= "2020-01-02" and days.max() <= "2023-08-23", name
    total = sum(digits.values())
    assert digits[3] / total > 0.8  # real: 4,566 of 5,098
    assert digits[2] > 0 and digits[1] > 0 and digits[0] > 0 and digits[6] > 0


def test_amounts_have_18_decimals_with_negative_and_absurd_ones(
    frames: dict[str, pd.DataFrame],
) -> None:
    tx = pd.concat([frames["withdrawals_sample_data.csv"], frames["deposit_sample_data.csv"]])
    assert tx["amount"].str.match(AMOUNT).all()
    value = tx["amount"].astype(float)
    assert (value < 0).any() and (tx.loc[value < 0, "tx_status"] == "failed").all()
    absurd = tx[value >= 1e9]
    assert len(absurd) > 0 and (absurd["tx_status"] == "complete").all()
    assert (value == value.round()).mean() > 0.6  # real: 75 % are whole numbers


def test_user_snapshot_hex_ids_unsorted_unique_and_some_late_users(
    scale1: tuple[Path, SampleReport], frames: dict[str, pd.DataFrame]
) -> None:
    users = frames["user_id_sample_data.csv"]["user_id"]
    assert users.str.fullmatch(r"[0-9a-f]{32}").all() and users.is_unique
    assert not users.is_monotonic_increasing
    facts = set().union(*(set(f["user_id"]) for n, f in frames.items() if "event_timestamp" in f))
    missing = facts - set(users)
    assert len(missing) == scale1[1].late_users > 0


def test_transaction_ids_unique_across_files_grow_with_time_but_are_not_sorted(
    frames: dict[str, pd.DataFrame],
) -> None:
    wd = frames["withdrawals_sample_data.csv"]
    dep = frames["deposit_sample_data.csv"].drop_duplicates()
    assert wd["id"].is_unique and dep["id"].is_unique
    assert not set(wd["id"]) & set(dep["id"])
    ids = wd["id"].astype(int)
    assert (ids.diff() < 0).sum() > 0
    order = wd.assign(i=ids).sort_values("i")["event_timestamp"]
    assert order.iloc[: len(order) // 2].max() <= order.iloc[-len(order) // 4 :].min()


def test_deposits_are_more_frequent_have_exact_duplicates_and_no_interface(
    scale1: tuple[Path, SampleReport], frames: dict[str, pd.DataFrame]
) -> None:
    dep, wd = frames["deposit_sample_data.csv"], frames["withdrawals_sample_data.csv"]
    assert len(dep) > 2 * len(wd)
    assert "interface" not in dep.columns
    assert dep.duplicated().sum() == scale1[1].duplicate_deposits > 0


def test_events_use_the_16_names_and_logins_dominate(frames: dict[str, pd.DataFrame]) -> None:
    names = frames["event_sample_data.csv"]["event_name"].value_counts()
    assert set(names.index) == EVENT_NAMES
    assert set(names.index[:3]) == LOGINS
    users = frames["user_id_sample_data.csv"]["user_id"]
    with_events = frames["event_sample_data.csv"]["user_id"].nunique()
    assert with_events / len(users) > 0.85  # a public login table covers 24,189 of 25,699


def test_level_history_moves_one_step_at_a_time_within_0_to_3(
    frames: dict[str, pd.DataFrame],
) -> None:
    lv = frames["user_level_sample_data.csv"]
    assert set(lv["level"]) <= {"0", "1", "2", "3"} and len(set(lv["level"])) == 4
    assert lv["jurisdiction"].str.fullmatch(r"[a-z]{2}").all()
    lv = lv.assign(level=lv["level"].astype(int)).sort_values(["user_id", "event_timestamp"])
    steps = lv.groupby("user_id")["level"].diff().dropna()
    assert set(steps.abs().astype(int)) <= {0, 1} and (steps > 0).sum() > (steps < 0).sum()
    ups = (frames["event_sample_data.csv"]["event_name"] == "level_change_up").sum()
    assert ups == (steps > 0).sum()


def test_calibrated_on_the_real_withdrawals_and_users(
    frames: dict[str, pd.DataFrame], real: Path
) -> None:
    r_wd, r_users = (
        _read(real, "withdrawals_sample_data.csv"),
        _read(real, "user_id_sample_data.csv"),
    )
    wd, users = frames["withdrawals_sample_data.csv"], frames["user_id_sample_data.csv"]
    r_users = r_users[r_users["user_id"] != ""]
    assert abs(len(users) / len(r_users) - 1) < 0.02
    assert abs(len(wd) / len(r_wd) - 1) < 0.1
    dep = frames["deposit_sample_data.csv"]
    assert set(wd["currency"]) == set(dep["currency"]) == set(r_wd["currency"])
    for col, value in (("tx_status", "failed"), ("interface", "app"), ("currency", "mxn")):
        ours, theirs = (wd[col] == value).mean(), (r_wd[col] == value).mean()
        assert abs(ours - theirs) < 0.1, (col, ours, theirs)
    years = [f["event_timestamp"].str[:4].value_counts(normalize=True) for f in (wd, r_wd)]
    assert (years[0] - years[1]).abs().max() < 0.04
    hours = [f["event_timestamp"].str[11:13].value_counts().sort_index() for f in (wd, r_wd)]
    assert hours[0].corr(hours[1]) > 0.9
    per_user = wd["user_id"].value_counts()
    real_per_user = r_wd["user_id"].value_counts()
    assert 0.6 < len(per_user) / len(real_per_user) < 1.5
    assert per_user.iloc[0] > 100 and per_user.median() < 15  # heavy users, most are light


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c = (tmp_path / x for x in "abc")
    generate(a, seed=3, scale=0.02)
    generate(b, seed=3, scale=0.02)
    generate(c, seed=4, scale=0.02)
    for name in HEADERS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (a / name).read_bytes() != (c / name).read_bytes(), name
    assert not list(a.glob(".*")), "no temp files left behind"


def test_scale_sizes_users_and_rows(tmp_path: Path, scale1: tuple[Path, SampleReport]) -> None:
    small = generate(tmp_path, seed=7, scale=0.1)
    for name, rows in small.rows.items():
        assert 0.05 < rows / scale1[1].rows[name] < 0.2, name


def test_scale_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError):
        generate(tmp_path, scale=0)
