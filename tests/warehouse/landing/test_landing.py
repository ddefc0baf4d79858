"""Landing snapshots into daily batches: nothing lost, right days, late rows later, --day reruns."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.errors import SchemaMismatchError, WarehouseError
from bitsodata.sample import HEADERS, generate
from bitsodata.warehouse.landing.scan import NO_DAY, blocks, day_text, days_of
from bitsodata.warehouse.landing.split import FACT_FILES, USERS_FILE, _Plan, event_day, land

WD = "withdrawals_sample_data.csv"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("source")
    generate(out, seed=11, scale=0.03)
    return out


@pytest.fixture(scope="module")
def late_landing(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("late")
    land(source, out, late_share=0.2, late_days=3, seed=5)
    return out


def _rows(path: Path) -> list[bytes]:
    return [ln for ln in path.read_bytes().splitlines()[1:] if ln.strip()]


def _landed(landing: Path, name: str) -> list[tuple[str, bytes]]:
    """(folder day, raw line) of every landed row of one file."""
    found = []
    for folder in sorted(landing.glob("date=*")):
        if (folder / name).exists():
            found += [(folder.name[5:], ln) for ln in _rows(folder / name)]
    return found


def _ts_day(name: str, line: bytes) -> str:
    ts = line.split(b",")[HEADERS[name].split(",").index("event_timestamp")]
    return datetime.fromisoformat(ts.decode()).date().isoformat()


def test_every_source_row_lands_exactly_once_byte_for_byte(
    source: Path, late_landing: Path
) -> None:
    for name in HEADERS:
        landed = _landed(late_landing, name)
        assert Counter(ln for _, ln in landed) == Counter(_rows(source / name)), name


def test_each_day_file_starts_with_the_source_header(late_landing: Path) -> None:
    for path in late_landing.glob("date=*/*.csv"):
        assert path.read_bytes().split(b"\n", 1)[0].decode() == HEADERS[path.name]


def test_without_late_rows_folders_are_event_dates(source: Path, tmp_path: Path) -> None:
    report = land(source, tmp_path)
    for name in FACT_FILES:
        landed = _landed(tmp_path, name)
        assert all(day == _ts_day(name, ln) for day, ln in landed), name
        counts = report.files[name]
        assert counts.source_rows == counts.landed_rows == len(landed) and counts.late_rows == 0


def test_late_rows_land_one_to_n_days_later_keeping_their_timestamp(
    source: Path, tmp_path: Path
) -> None:
    report = land(source, tmp_path, late_share=0.2, late_days=3, seed=5)
    late = 0
    for name in FACT_FILES:
        for day, line in _landed(tmp_path, name):
            lag = (date.fromisoformat(day) - date.fromisoformat(_ts_day(name, line))).days
            assert 0 <= lag <= 3
            late += lag > 0
    total = sum(report.files[n].landed_rows for n in FACT_FILES)
    assert late == sum(report.files[n].late_rows for n in FACT_FILES)
    assert 0.15 < late / total < 0.25


def test_users_land_on_the_day_of_their_first_fact(late_landing: Path) -> None:
    first: dict[bytes, str] = {}
    for name in FACT_FILES:
        user_at = HEADERS[name].split(",").index("user_id")
        for day, line in _landed(late_landing, name):
            user = line.split(b",")[user_at]
            first[user] = min(day, first.get(user, day))
    days = sorted(p.name[5:] for p in late_landing.glob("date=*"))
    users = _landed(late_landing, USERS_FILE)
    assert users
    for day, user in users:
        assert day == first.get(user, days[0])


def test_day_mode_is_idempotent_and_equals_the_full_landing(
    source: Path, late_landing: Path, tmp_path: Path
) -> None:
    with_withdrawals = sorted(late_landing.glob(f"date=*/{WD}"))
    day = date.fromisoformat(with_withdrawals[len(with_withdrawals) // 2].parent.name[5:])
    folder = f"date={day.isoformat()}"
    (tmp_path / "date=1999-01-01").mkdir()
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "junk.csv").write_text("left over\n")
    first = land(source, tmp_path, late_share=0.2, late_days=3, seed=5, day=day)
    snapshot = {p.name: p.read_bytes() for p in (tmp_path / folder).iterdir()}
    again = land(source, tmp_path, late_share=0.2, late_days=3, seed=5, day=day)
    assert first.days == again.days == (day.isoformat(),)
    assert {p.name: p.read_bytes() for p in (tmp_path / folder).iterdir()} == snapshot
    full = {p.name: p.read_bytes() for p in (late_landing / folder).iterdir()}
    assert snapshot == full and "junk.csv" not in snapshot
    assert (tmp_path / "date=1999-01-01").is_dir(), "other days are left alone"
    assert first.files[WD].landed_rows == len(_rows(tmp_path / folder / WD))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["date=1999-01-01", folder]


def test_full_landing_replaces_stale_days(source: Path, tmp_path: Path) -> None:
    (tmp_path / "date=1999-01-01").mkdir()
    report = land(source, tmp_path)
    assert not (tmp_path / "date=1999-01-01").exists()
    assert sorted(p.name[5:] for p in tmp_path.glob("date=*")) == list(report.days)


def test_same_seed_same_landing(source: Path, late_landing: Path, tmp_path: Path) -> None:
    land(source, tmp_path, late_share=0.2, late_days=3, seed=5)
    mine = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    theirs = sorted(p.relative_to(late_landing) for p in late_landing.rglob("*.csv"))
    assert mine == theirs
    assert all((tmp_path / p).read_bytes() == (late_landing / p).read_bytes() for p in mine)


def _write(folder: Path, name: str, lines: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([HEADERS[name], *lines]) + "\n")


def test_unreadable_timestamps_travel_with_the_previous_row(tmp_path: Path) -> None:
    src = tmp_path / "src"
    user = "a" * 32
    _write(src, WD, [
        f"1,yesterday,{user},1.0,web,mxn,complete",
        f"2,2021-03-01 10:00:00.5+00,{user},1.0,web,mxn,complete",
        f"3,2021-03-02 23:30:00-06,{user},1.0,web,mxn,complete",
        f"4,2021-13-45 10:00:00+00,{user},1.0,web,mxn,complete",
        f'5,"2021-03-05 10:00:00+00",{user},"1,5",web,mxn,complete',
    ])  # fmt: skip
    report = land(src, tmp_path / "out")
    landed = {ln.split(b",")[0]: day for day, ln in _landed(tmp_path / "out", WD)}
    assert landed == {
        b"1": "2021-03-01",  # before any dated row: with the first dated one
        b"2": "2021-03-01",
        b"3": "2021-03-03",  # -06 offset: the UTC date
        b"4": "2021-03-03",  # impossible date: with the row before it
        b"5": "2021-03-05",  # quoted fields are parsed as CSV
    }
    assert report.files[WD].undated_rows == 2 and report.files[WD].landed_rows == 5


def test_users_without_facts_land_on_the_first_day(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, WD, [f"1,2021-03-01 10:00:00+00,{'a' * 32},1.0,web,mxn,complete"])
    _write(src, USERS_FILE, ["", "b" * 32, "a" * 32])
    land(src, tmp_path / "out")
    assert _landed(tmp_path / "out", USERS_FILE) == [
        ("2021-03-01", b"b" * 32), ("2021-03-01", b"a" * 32)
    ]  # fmt: skip


def test_a_file_without_the_timestamp_column_fails_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / WD).write_text("id,when,user_id\n1,2021-03-01 10:00:00+00,u\n")
    with pytest.raises(SchemaMismatchError) as err:
        land(src, tmp_path / "out")
    assert "event_timestamp" in str(err.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_no_source_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError):
        land(tmp_path, tmp_path / "out")


def test_bad_late_share_is_refused(source: Path, tmp_path: Path) -> None:
    with pytest.raises(WarehouseError):
        land(source, tmp_path, late_share=1.5)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        (b"2020-01-10 14:11:05.63+00", b"2020-01-10"),
        (b"2020-01-10 14:11:05+00", b"2020-01-10"),
        (b"2020-01-10 23:59:59.999999+00", b"2020-01-10"),
        (b"2020-01-10T20:00:00-05:00", b"2020-01-11"),
        (b"2020-01-10 14:11:05", b"2020-01-10"),
        (b"", None),
        (b"2020-02-30 10:00:00+00", None),
    ],
)
def test_event_day_is_the_utc_date(raw: bytes, day: bytes | None) -> None:
    assert event_day(raw) == day


def test_blocks_cut_only_between_lines_and_drop_blank_ones() -> None:
    text = b"a,1\n\n  \r\nbb,22\r\nccc,333\n \t\nlast,no-newline"
    got = [ln for block in blocks(io.BytesIO(text), size=5) for ln in block.to_pylist()]
    assert got == [b"a,1\n", b"bb,22\r\n", b"ccc,333\n", b"last,no-newline\n"]


def test_crlf_blanks_short_rows_and_padded_values_land_byte_for_byte(tmp_path: Path) -> None:
    src, user = tmp_path / "src", "a" * 32
    rows = [
        f"1, 2021-03-01 10:00:00+00 ,{user} ,1.0,web,mxn,complete\r\n",
        "   \r\n",
        "2,2021-03-02 10:00:00+00\r\n",  # too short: no user column
        f"3,2021-03-03 10:00:00+00,{user},1.0,web,mxn,complete,extra\r\n",
    ]
    src.mkdir()
    (src / WD).write_bytes((HEADERS[WD] + "\r\n" + "".join(rows)).encode())
    (src / USERS_FILE).write_bytes(f"user_id\r\n {user}\r\n".encode())
    report = land(src, tmp_path / "out")
    for day, row in (("01", rows[0]), ("02", rows[2]), ("03", rows[3])):
        landed = (tmp_path / "out" / f"date=2021-03-{day}" / WD).read_bytes()
        assert landed == (HEADERS[WD] + "\r\n" + row).encode()
    assert report.files[WD].source_rows == report.files[WD].landed_rows == 3
    assert _landed(tmp_path / "out", USERS_FILE) == [("2021-03-01", f" {user}".encode())]


_STAMPS = st.one_of(
    st.sampled_from(
        [
            b"",
            b"x",
            b"2020-02-30 10:00:00+00",
            b"2021-13-01 00:00:00+00",
            b"2020-01-10",
            b"2020-01-10T23:30:00-05:00",
            b"2020-01-10 14:11:05.1234567891+00",
            b" 2020-01-10 ",
            b"0000-01-01 00:00:00+00",
            b"0001-01-01 00:00:00+00",
            b"9999-12-31 23:59:59+00",
            b"1900-02-29 00:00:00+00",
            b"2020-01-00 00:00:00+00",
        ]
    ),
    st.builds(
        lambda d, sep, frac, zone: f"{d:%Y-%m-%d}{sep}12:34:56{frac}{zone}".encode(),
        st.dates(date(1999, 1, 1), date(2030, 12, 31)),
        st.sampled_from([" ", "T", "_"]),
        st.sampled_from(["", ".5", ".123456", ".1234567890"]),
        st.sampled_from(["", "+00", "+0000", "+00:00", "Z", "-03", "+01:00", "+0"]),
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), _STAMPS), max_size=20))
def test_vectorised_days_equal_the_per_row_reading(stamps: list[bytes | None]) -> None:
    got = days_of(pa.array(stamps, pa.binary()))
    expected = [event_day(s) if s is not None else None for s in stamps]
    assert [None if d == NO_DAY else day_text(int(d)) for d in got] == expected


def test_first_days_survive_compaction() -> None:
    plan = _Plan(0.0, 0, 0, compact_rows=3)
    blocks_seen = [([b"a", b"b", b"a"], [5, 7, 3]), ([b"c", b"b"], [9, 2]), ([b"a", b"d"], [4, 1])]
    for users, days in blocks_seen:
        plan.saw(pa.array(users, pa.binary()), np.array(days, dtype=np.int32))
    assert len(plan.seen) < len(blocks_seen), "the pairs were compacted"
    seen = plan.first_seen().sort_by("user").to_pydict()
    assert seen == {"user": [b"a", b"b", b"c", b"d"], "day": [3, 2, 9, 1]}
    assert plan.first_day == 1
