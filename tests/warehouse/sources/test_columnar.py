"""The bulk reader gives what the reference reader gives, record for record, whatever the record."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitsodata.warehouse.sources.columnar import iter_columnar
from bitsodata.warehouse.sources.columns import MAX_CODE_LENGTH, SOURCES
from bitsodata.warehouse.sources.lines import iter_landing


def reference(path: Path, source: str) -> Counter[Any]:
    """The landing rows of ``path``, record by record."""
    rows: Counter[Any] = Counter()
    for chunk in iter_landing(path, SOURCES[source]):
        rows.update(tuple(r.values()) for r in chunk.table.to_pylist())
    return rows


def bulk(path: Path, source: str, block_bytes: int | None = None) -> Counter[Any]:
    """The same from the bulk reader."""
    rows: Counter[Any] = Counter()
    for chunk in iter_columnar(path, SOURCES[source], block_bytes):
        rows.update(tuple(r.values()) for r in chunk.table.to_pylist())
    return rows


TIMESTAMPS = [
    "2020-01-10 14:11:05.63+00",
    "2020-01-10 14:11:05+00",
    "2020-01-10 14:11:05.123456+00",
    "2020-01-10 14:11:05.000000+00",
    "2020-01-10 14:11:05.1",
    "2020-02-29 23:59:59.999999+00",
    "2021-02-29 10:00:00+00",  # no such day
    "2020-04-31 10:00:00+00",  # no such day
    "2020-01-10T14:11:05Z",
    "2020-01-10 14:11:05.63-05",
    "2020-01-10 14:11:05.63+05:30",
    "2020-01-10 24:00:00+00",
    "2020-01-10 14:11:60+00",
    "2020-13-01 00:00:00+00",
    "2020-01-10 14:11:05.1234567+00",
    " 2020-01-10 14:11:05+00",
    "1899-12-31 00:00:00+00",
    "9999-12-31 23:00:00-05",  # past year 9999 in UTC
    "0001-01-01 00:00:00+05",  # before year 1 in UTC
    "9999-12-31 00:00:00+00",  # implausible
    "2009-12-31 23:59:59.999999+00",  # just before the window
    "2010-01-01 00:00:00+00",  # its first instant
    "2026-01-01 12:00:00+00",  # its last
    "2026-01-01 12:00:00.000001+00",  # just after
    "٢٠٢٠-01-10 14:11:05+00",
    "2020-01-10 14:11:05+24",
    "2020-01-10 14:11:05+00:60",
    "yesterday",
    "",
]
AMOUNTS = [
    "20.000000000000000000",
    "0.008207180000000000",
    "-5",
    "1e3",
    "1e1000000",
    "+1.5",
    "1_000",
    "1 000",
    "١٠٠٠",
    "１０",
    "1.0000000000000000001",
    "1.5000000000000000000",
    "99999999999999999999.999999999999999999",
    "999999999999999.999999999999999999",
    "1000000000000000",
    "100000000000000000000",
    "0000000000000000000000001",
    "abc",
    " 7.5",
    "",
    "NaN",
]
IDS = [
    "1500",
    "007",
    "18446744073709551616",
    "-1",
    "12a",
    "",
    " 42",
    "999999999999999999",
    "1_0",
    "٣",
]
USERS = [
    "049bdb5e5185a44555023587493fe388",
    "u-1",
    "u_2",
    "",
    " u3",
    "ü",
    "a b",
    "a\x1fb",
    "u\x00",
    "u" * MAX_CODE_LENGTH,
    "u" * (MAX_CODE_LENGTH + 1),
]
WORDS = [
    "usd",
    "MXN",
    "Complete",
    "failed",
    "login_api",
    "",
    " web",
    "x y",
    "ñ",
    "lo\rgin",
    "\ufeffmxn",
]
LEVELS = ["0", "3", "-1", "1234567890", "1.5", "", " 2", "٣"]
NOT_UTF8 = [b"\xff", b"u\xc0\xaf", b"\xed\xa0\x80", b"mx\xa0n", b"\xf4\x90\x80\x80"]


def _line(draw: st.DrawFn, fields: list[bytes]) -> bytes:
    if draw(st.integers(0, 6)) == 0:  # quoting, a line break, a missing or an extra field
        kind = draw(st.sampled_from(["quote", "break", "crlf", "open", "cr", "short", "long"]))
        i = draw(st.integers(0, len(fields) - 1))
        if kind == "quote":
            fields[i] = b'"' + fields[i].replace(b'"', b'""') + b'"'
        elif kind in ("break", "crlf"):  # a quoted field over two or more lines
            cut = b"\n" * draw(st.integers(1, 3)) if kind == "break" else b"\r\n"
            fields[i] = b'"' + fields[i][:3] + cut + fields[i][3:] + b'"'
        elif kind == "open":
            fields[i] = b'"' + fields[i]
        elif kind == "cr":
            fields[i] += b"\r"
        elif kind == "short":
            fields = fields[:-1]
        else:
            fields = [*fields, b"extra"]
    return b",".join(fields)


@st.composite
def source_file(draw: st.DrawFn) -> tuple[str, bytes, int | None]:
    source = draw(st.sampled_from(sorted(SOURCES)))
    columns = [*SOURCES[source].required]
    if source == "deposit" and draw(st.booleans()):
        columns.append("interface")
    columns = draw(st.permutations(columns))
    pick = {
        "id": st.sampled_from(IDS),
        "event_timestamp": st.sampled_from(TIMESTAMPS),
        "user_id": st.sampled_from(USERS),
        "amount": st.sampled_from(AMOUNTS),
        "currency": st.sampled_from(WORDS),
        "tx_status": st.sampled_from(WORDS),
        "interface": st.sampled_from(WORDS),
        "event_name": st.sampled_from(WORDS),
        "jurisdiction": st.sampled_from(WORDS),
        "level": st.sampled_from(LEVELS),
    }
    plain = {"id": "1500", "event_timestamp": TIMESTAMPS[0], "user_id": USERS[0], "level": "2"}
    plain["amount"] = AMOUNTS[0]

    def field(column: str, odd: bool) -> bytes:
        if odd and draw(st.integers(0, 15)) == 0:
            return draw(st.sampled_from(NOT_UTF8))
        return (draw(pick[column]) if odd else plain.get(column, "usd")).encode()

    header = ",".join(columns).encode()
    lines = [b"\xef\xbb\xbf" + header if draw(st.integers(0, 9)) == 0 else header, b""]
    for _ in range(draw(st.integers(0, 30))):
        everything_odd = not draw(st.booleans())  # else mostly plain lines, a field sometimes odd
        fields = [field(c, everything_odd or draw(st.booleans())) for c in columns]
        lines.append(_line(draw, fields) if draw(st.integers(0, 20)) else b"   ")
    end = b"\r\n" if draw(st.integers(0, 4)) == 0 else b"\n"
    block_bytes = draw(st.sampled_from([None, 64, 300]))  # small blocks: records cut across them
    return source, end.join(lines) + end, block_bytes


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(source_file())
def test_bulk_and_reference_readers_agree_on_any_record(
    tmp_path: Path, case: tuple[str, bytes, int | None]
) -> None:
    source, data, block_bytes = case
    path = tmp_path / SOURCES[source].file_name
    path.write_bytes(data)
    assert bulk(path, source, block_bytes) == reference(path, source)


def test_plain_records_are_split_by_the_kernels_others_keep_a_read_reason(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_bytes(
        b"id,event_timestamp,user_id,amount,currency,tx_status\n\n"
        b"1500,2020-01-06 19:08:58.303+00,049b,20.000000000000000000,USD,complete\n"
        b'1502,2020-01-06 19:08:59+00,049b,"1.5",usd,failed\n'
        b"1503,2020-01-06 19:08:59+00,049b\n"
        b"1504,2020-01-06 19:08:59+00,\xff,1,usd,failed\n"
    )
    [chunk] = list(iter_columnar(path, SOURCES["deposit"]))
    rows = sorted(chunk.table.to_pylist(), key=lambda r: r["line_no"])
    assert [(r["line_no"], r["read_reason"]) for r in rows] == [
        (3, None),
        (4, None),
        (5, "wrong number of fields"),
        (6, "not UTF-8 text (byte 0xff at offset 28)"),
    ]
    assert rows[0]["raw_line"].startswith("1500,") and rows[0]["currency"] == "USD"
    assert rows[1]["amount"] == "1.5" and rows[1]["interface"] is None
    assert rows[3]["raw_line"] == "1504,2020-01-06 19:08:59+00,\\xff,1,usd,failed"


@pytest.mark.parametrize("source", ["withdrawal", "user"])
def test_real_challenge_files_read_the_same_both_ways(shared_data: Path, source: str) -> None:
    path = shared_data / "sr_de_challenge" / SOURCES[source].file_name
    assert bulk(path, source) == reference(path, source)
