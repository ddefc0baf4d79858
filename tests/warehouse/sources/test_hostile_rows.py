"""Hostile source rows end as quarantined rows with a reason, never as a failed batch: bytes that
are not UTF-8, a byte order mark, values out of any engine's range or implausible, lenient number
spellings, control characters and overlong codes, quoted line breaks; on both parsers and both
engines, with loaded + quarantined = input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bitsodata.errors import SchemaMismatchError, WarehouseError
from bitsodata.settings import WarehouseSettings
from bitsodata.warehouse.db import Database, DuckDatabase, PostgresDatabase
from bitsodata.warehouse.load import loader
from bitsodata.warehouse.load.loader import LoadReport, load_batch
from bitsodata.warehouse.sources.lines import MAX_AMOUNT_DIGITS, MAX_CODE_LENGTH, EventWindow

HEADER = b"id,event_timestamp,user_id,amount,currency,tx_status\n"
GOOD = b"1,2020-01-10 10:00:00+00,u1,1.5,mxn,complete\n"
WINDOW = EventWindow(datetime(2010, 1, 1), datetime(2026, 1, 2))
LONG = b"x" * (MAX_CODE_LENGTH + 1)

# (hostile deposit record, start of its quarantine reason)
HOSTILE = {
    "invalid-utf8": (b"2,2020-01-10 10:00:00+00,u\xff2,1,mxn,complete", "not UTF-8"),
    "overlong-utf8": (b"2,2020-01-10 10:00:00+00,u2,1,m\xc0\xafn,complete", "not UTF-8"),
    "surrogate-utf8": (b"2,2020-01-10 10:00:00+00,u2,1,\xed\xa0\x80,complete", "not UTF-8"),
    "latin1-amount": (b"2,2020-01-10 10:00:00+00,u2,1\xa05,mxn,complete", "not UTF-8"),
    "year-10000-in-utc": (b"2,9999-12-31 23:00:00-05,u2,1,mxn,complete", "timestamp out of range"),
    "year-0-in-utc": (b"2,0001-01-01 00:00:00+05,u2,1,mxn,complete", "timestamp out of range"),
    "amount-exponent": (
        b"2,2020-01-10 10:00:00+00,u2,1e1000000,mxn,complete",
        "unparseable amount",
    ),
    "amount-tiny-exponent": (b"2,2020-01-10 10:00:00+00,u2,1e-999999,mxn,complete", "unparseable"),
    "amount-21-digits": (
        b"2,2020-01-10 10:00:00+00,u2," + b"9" * 21 + b",mxn,complete",
        "amount out",
    ),
    "amount-16-digits": (
        b"2,2020-01-10 10:00:00+00,u2,1" + b"0" * 15 + b",mxn,complete",
        "amount out",
    ),
    "amount-19-decimals": (
        b"2,2020-01-10 10:00:00+00,u2,1." + b"1" * 19 + b",usd,complete",
        "amount out",
    ),
    "amount-underscore": (b"2,2020-01-10 10:00:00+00,u2,1_000,mxn,complete", "unparseable amount"),
    "amount-space-sep": (b"2,2020-01-10 10:00:00+00,u2,1 000,mxn,complete", "unparseable amount"),
    "amount-quoted-comma": (b'2,2020-01-10 10:00:00+00,u2,"1,000",mxn,complete', "unparseable"),
    "amount-arabic-indic": (
        "2,2020-01-10 10:00:00+00,u2,١٠٠٠,mxn,complete".encode(),
        "unparseable amount",
    ),
    "amount-devanagari": ("2,2020-01-10 10:00:00+00,u2,१.५,mxn,complete".encode(), "unparseable"),
    "amount-fullwidth": ("2,2020-01-10 10:00:00+00,u2,１０,mxn,complete".encode(), "unparseable"),
    "amount-nbsp": ("2,2020-01-10 10:00:00+00,u2,\u00a010,mxn,complete".encode(), "unparseable"),
    "amount-plus": (b"2,2020-01-10 10:00:00+00,u2,+10,mxn,complete", "unparseable amount"),
    "amount-infinity": (b"2,2020-01-10 10:00:00+00,u2,Infinity,mxn,complete", "unparseable"),
    "id-arabic-indic": (
        "٢,2020-01-10 10:00:00+00,u2,1,mxn,complete".encode(),
        "missing or invalid",
    ),
    "id-underscore": (b"2_0,2020-01-10 10:00:00+00,u2,1,mxn,complete", "missing or invalid id"),
    "id-19-digits": (b"9" * 19 + b",2020-01-10 10:00:00+00,u2,1,mxn,complete", "missing or inv"),
    "timestamp-thai-digits": (
        "2,๒๐๒๐-01-10 10:00:00+00,u2,1,mxn,complete".encode(),
        "unparseable timestamp",
    ),
    "timestamp-offset-24h": (b"2,2020-01-10 10:00:00+24,u2,1,mxn,complete", "unparseable"),
    "timestamp-offset-60min": (b"2,2020-01-10 10:00:00+00:60,u2,1,mxn,complete", "unparseable"),
    "timestamp-leap-second": (b"2,2020-12-31 23:59:60+00,u2,1,mxn,complete", "unparseable"),
    "nul-in-user": (b"2,2020-01-10 10:00:00+00,u\x002,1,mxn,complete", "invalid user_id"),
    "nul-in-currency": (b"2,2020-01-10 10:00:00+00,u2,1,mx\x00n,complete", "invalid currency"),
    "control-in-status": (b"2,2020-01-10 10:00:00+00,u2,1,mxn,comp\rlete", "invalid tx_status"),
    "space-in-user": (b"2,2020-01-10 10:00:00+00,u 2,1,mxn,complete", "invalid user_id"),
    "bom-inside": (b"2,2020-01-10 10:00:00+00,\xef\xbb\xbfu2,1,mxn,complete", "invalid user_id"),
    "long-user": (b"2,2020-01-10 10:00:00+00," + LONG + b",1,mxn,complete", "user_id longer"),
    "huge-currency": (
        b"2,2020-01-10 10:00:00+00,u2,1," + b"m" * 100_000 + b",complete",
        "currency longer",
    ),
    "implausible-future": (b"2,9999-12-31 00:00:00+00,u2,1,mxn,complete", "implausible"),
    "implausible-past": (b"2,1970-01-01 00:00:00+00,u2,1,mxn,complete", "implausible"),
    "after-window-by-a-second": (b"2,2026-01-02 00:00:01+00,u2,1,mxn,complete", "implausible"),
    "quoted-line-break": (b'2,2020-01-10 10:00:00+00,u2,1,"mxn\n3",complete', "line break"),
    "quoted-crlf-break": (b'2,2020-01-10 10:00:00+00,"u2\r\n",1,mxn,complete', "line break"),
    "quoted-blank-lines": (b'2,"2020-01-10 10:00:00+00\n\n\n",u2,1,mxn,complete', "line break"),
    "unterminated-quote": (b'2,2020-01-10 10:00:00+00,u2,"1,mxn,complete', "unterminated"),
}


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "duckdb":
        db: Database = DuckDatabase(str(tmp_path / "wh.duckdb"))
    else:
        db = PostgresDatabase(request.getfixturevalue("pg_url"))
    yield db
    db.close()


@pytest.fixture(params=["reference", "bulk"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "bulk":
        monkeypatch.setattr(loader, "SMALL_FILE_BYTES", 0)  # every file through the kernels
    return str(request.param)


def _batch(tmp_path: Path, data: bytes, name: str = "deposit_sample_data.csv") -> Path:
    batch = tmp_path / "batch"
    batch.mkdir(exist_ok=True)
    (batch / name).write_bytes(data)
    return batch


def _balanced(report: LoadReport) -> None:
    for source, n in report.rows_in.items():
        assert report.rows_loaded[source] + report.rows_quarantined[source] == n


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_record_is_quarantined_with_its_reason(
    tmp_path: Path, parser: str, case: str
) -> None:
    record, reason = HOSTILE[case]
    # first among the data lines (a decoder reading ahead must not trip on it), then good rows
    body = record + b"\n" + GOOD + GOOD.replace(b"1,", b"7,", 1)
    db = DuckDatabase(":memory:")
    report = load_batch(db, _batch(tmp_path, HEADER + body), window=WINDOW)
    assert (report.total_in, report.total_loaded, report.total_quarantined) == (3, 2, 1)
    [(stored_reason, raw)] = db.fetchall("select reason, raw_line from quarantine")
    assert stored_reason.startswith(reason)
    assert "\x00" not in raw and raw.count("\n") == record.count(b"\n")
    assert db.fetchall("select count(*) from fct_transaction") == [(2,)]
    db.close()


@pytest.mark.postgres
def test_every_hostile_record_in_one_batch_on_both_engines(
    engine: Database, tmp_path: Path, parser: str
) -> None:
    records = [record for record, _ in HOSTILE.values()]  # each is a distinct line
    body = b"".join(record + b"\n" for record in records)
    report = load_batch(engine, _batch(tmp_path, HEADER + GOOD + body), window=WINDOW)
    _balanced(report)
    assert (report.total_in, report.total_quarantined) == (1 + len(HOSTILE), len(HOSTILE))
    assert engine.fetchall("select count(*) from quarantine") == [(len(HOSTILE),)]
    rows = engine.fetchall("select transaction_id, amount, currency_code from fct_transaction")
    assert rows == [(1, Decimal("1.5"), "mxn")]  # nothing else slipped through, nothing changed
    # the calendar spans the plausible days the facts have, not 9999-12-31
    assert engine.fetchall("select count(*) from dim_date")[0][0] < 400
    again = load_batch(engine, _batch(tmp_path, HEADER + GOOD + body), window=WINDOW)
    assert again.total_quarantined == len(HOSTILE)
    assert engine.fetchall("select count(*) from quarantine") == [(len(HOSTILE),)]


def test_a_byte_order_mark_is_part_of_no_column(tmp_path: Path, parser: str) -> None:
    batch = _batch(tmp_path, b"\xef\xbb\xbf" + HEADER + GOOD)
    (batch / "user_id_sample_data.csv").write_bytes(b"\xef\xbb\xbfuser_id\r\n\r\nu1\r\n")
    db = DuckDatabase(":memory:")
    report = load_batch(db, batch, window=WINDOW)
    assert (report.total_in, report.total_quarantined) == (2, 0)
    assert db.fetchall("select user_id, is_inferred from dim_user") == [("u1", False)]
    db.close()


def test_crlf_files_load_like_lf_files(tmp_path: Path, parser: str) -> None:
    body = (GOOD + b'2,2020-01-11 00:00:00+00,u1,"2",mxn,failed\n').replace(b"\n", b"\r\n")
    db = DuckDatabase(":memory:")
    report = load_batch(db, _batch(tmp_path, HEADER.replace(b"\n", b"\r\n") + body), window=WINDOW)
    assert (report.total_in, report.total_quarantined) == (2, 0)
    assert db.fetchall("select raw_line from quarantine") == []
    db.close()


@pytest.mark.parametrize("length", [MAX_CODE_LENGTH, MAX_CODE_LENGTH + 1])
def test_codes_at_the_length_bound(tmp_path: Path, parser: str, length: int) -> None:
    code = b"c" * length
    body = b"1,2020-01-10 10:00:00+00," + code + b",1," + code + b",complete\n"
    db = DuckDatabase(":memory:")
    report = load_batch(db, _batch(tmp_path, HEADER + body), window=WINDOW)
    assert report.total_loaded == (1 if length == MAX_CODE_LENGTH else 0)
    db.close()


def test_a_quoted_field_open_too_long_costs_only_its_line(tmp_path: Path, parser: str) -> None:
    """A stray opening quote never swallows the good rows after it."""
    good = b"".join(GOOD.replace(b"1,", f"{i},".encode(), 1) for i in range(10, 110))
    body = b'2,2020-01-10 10:00:00+00,"u2,1,mxn,complete\n' + good
    db = DuckDatabase(":memory:")
    report = load_batch(db, _batch(tmp_path, HEADER + body), window=WINDOW)
    assert (report.total_in, report.total_loaded) == (101, 100)
    assert db.fetchall("select reason from quarantine") == [("unterminated quoted field",)]
    db.close()


def test_the_event_window_comes_from_the_settings() -> None:
    settings = WarehouseSettings(earliest_event_day=date(2015, 6, 1), latest_event_ahead_hours=2)
    window = EventWindow.around(settings, datetime.fromisoformat("2024-03-01T12:00:00-06:00"))
    assert window == EventWindow(datetime(2015, 6, 1), datetime(2024, 3, 1, 20))
    defaults = EventWindow.around(WarehouseSettings(), datetime(2024, 3, 1))
    assert defaults == EventWindow(datetime(2010, 1, 1), datetime(2024, 3, 2))


def test_a_row_dated_tomorrow_loads_one_dated_next_year_does_not(tmp_path: Path) -> None:
    now = datetime.now()
    soon = now.replace(microsecond=0).isoformat(sep=" ").encode()
    later = now.replace(year=now.year + 1, microsecond=0).isoformat(sep=" ").encode()
    body = b"1," + soon + b",u1,1,mxn,complete\n2," + later + b",u1,1,mxn,complete\n"
    db = DuckDatabase(":memory:")
    report = load_batch(db, _batch(tmp_path, HEADER + body))  # the default window: now + 24 h
    assert (report.total_loaded, report.total_quarantined) == (1, 1)
    db.close()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"id,when,user_id,amount,currency,tx_status\n", "line 1: columns"),
        (b"id,event_timestamp,user_id,amount,currency,tx_st\xe4tus\n", "line 1: the header is not"),
        (b"", "line 1: columns"),
    ],
)
def test_a_bad_header_names_the_file_and_line(tmp_path: Path, header: bytes, message: str) -> None:
    batch = _batch(tmp_path, header + GOOD)
    with pytest.raises(SchemaMismatchError) as info:
        load_batch(DuckDatabase(":memory:"), batch, window=WINDOW)
    assert str(info.value).startswith(f"deposit_sample_data.csv {message}")
    assert info.value.line == 1  # type: ignore[attr-defined]


class _RefusingDuck(DuckDatabase):
    """A DuckDB warehouse whose engine refuses the landing rows of one file."""

    def insert_arrow(self, table: str, rows: Any) -> None:
        if table == "_raw_event" and rows.num_rows:
            raise RuntimeError("engine says no")
        super().insert_arrow(table, rows)


def test_an_engine_error_while_staging_names_the_file_and_lines(tmp_path: Path) -> None:
    batch = _batch(tmp_path, HEADER + GOOD)
    (batch / "event_sample_data.csv").write_bytes(
        b"id,event_timestamp,user_id,event_name\n\n1,2020-01-10 10:00:00+00,u1,login\n"
    )
    db = _RefusingDuck(":memory:")
    with pytest.raises(WarehouseError) as info:
        load_batch(db, batch, window=WINDOW)
    assert "event_sample_data.csv lines 2-3: engine says no" in str(info.value)
    assert info.value.line == 2  # type: ignore[attr-defined]
    assert db.fetchall("select count(*) from fct_transaction") == [(0,)]  # nothing written
    db.close()


@pytest.mark.postgres
def test_the_largest_amounts_sum_without_overflow(engine: Database, tmp_path: Path) -> None:
    """Amounts the parser accepts never overflow a day's sum (the cause of a failed batch)."""
    largest = b"9" * MAX_AMOUNT_DIGITS + b"." + b"9" * 18
    body = b"".join(
        b"%d,2020-01-10 10:00:00+00,u1,%s,mxn,complete\n" % (i, largest) for i in range(1, 1001)
    )
    report = load_batch(engine, _batch(tmp_path, HEADER + body), window=WINDOW)
    assert report.total_loaded == 1000
    [(total,)] = engine.fetchall("select sum(amount_deposited) from mart_user_currency_daily")
    assert total == Decimal("999999999999999999.999999999999999")  # exactly 1000 times
