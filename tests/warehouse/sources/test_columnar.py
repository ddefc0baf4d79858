"""The bulk parser gives what the reference parser gives, line for line, whatever the line."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitsodata.warehouse.load import merge
from bitsodata.warehouse.sources.columnar import iter_columnar
from bitsodata.warehouse.sources.lines import MAX_CODE_LENGTH, SOURCES, EventWindow, iter_chunks

WINDOW = EventWindow(datetime(2010, 1, 1), datetime(2026, 1, 1, 12))


def _outcome(rows: list[tuple[Any, ...]], source: str) -> list[tuple[Any, ...]]:
    return merge.keyed(merge.SOURCE_ENTITY[source], rows)


def reference(
    path: Path, source: str, window: EventWindow = WINDOW
) -> tuple[Counter[Any], Counter[Any], int]:
    """Typed rows (with natural key and raw line), bad rows and line count, line by line."""
    rows: Counter[Any] = Counter()
    bad: Counter[Any] = Counter()
    n = 0
    for typed, bad_rows, n_in in iter_chunks(path, SOURCES[source], window=window):
        rows.update(_outcome(typed, source))
        bad.update((b.line_no, b.reason, b.raw_line) for b in bad_rows)
        n += n_in
    return rows, bad, n


def bulk(
    path: Path, source: str, window: EventWindow = WINDOW, block_bytes: int | None = None
) -> tuple[Counter[Any], Counter[Any], int, int]:
    """The same from the bulk parser, plus how many lines the kernels typed themselves."""
    rows: Counter[Any] = Counter()
    bad: Counter[Any] = Counter()
    n = vectorized = 0
    for chunk in iter_columnar(path, SOURCES[source], window, block_bytes):
        if chunk.table is not None:
            rows.update(tuple(r.values()) for r in chunk.table.to_pylist())
            vectorized += chunk.table.num_rows
        rows.update(_outcome(chunk.rows, source))
        bad.update((b.line_no, b.reason, b.raw_line) for b in chunk.bad)
        n += chunk.n_in
    return rows, bad, n, vectorized


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
def test_bulk_and_reference_parsers_agree_on_any_line(
    tmp_path: Path, case: tuple[str, bytes, int | None]
) -> None:
    source, data, block_bytes = case
    path = tmp_path / SOURCES[source].file_name
    path.write_bytes(data)
    rows, bad, n = reference(path, source)
    got_rows, got_bad, got_n, _ = bulk(path, source, block_bytes=block_bytes)
    assert got_n == n
    assert got_bad == bad
    assert got_rows == rows


def test_plain_lines_are_typed_by_the_kernels(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_text(
        "id,event_timestamp,user_id,amount,currency,tx_status\n\n"
        "1500,2020-01-06 19:08:58.303+00,049b,20.000000000000000000,USD,complete\n"
        "1501,2020-02-30 19:08:58+00,049b,1,usd,complete\n"  # no such day: reference parser
        '1502,2020-01-06 19:08:59+00,049b,"1.5",usd,failed\n'  # quoted: reference parser
    )
    rows, bad, n, vectorized = bulk(path, "deposit")
    assert (n, vectorized) == (3, 1)
    assert [(no, reason) for no, reason, _ in bad] == [
        (4, "unparseable timestamp '2020-02-30 19:08:58+00'")  # the file's line number
    ]
    first = next(r for r in rows if r[1] == 1500)
    assert first[:8] == (
        "deposit",
        1500,
        "049b",
        datetime(2020, 1, 6, 19, 8, 58, 303000),
        "usd",
        Decimal("20"),
        None,
        "complete",
    )
    assert first[8:] == (
        "1500",
        "1500,2020-01-06 19:08:58.303+00,049b,20.000000000000000000,USD,complete",
    )


def test_level_change_keys_match_the_reference_text(tmp_path: Path) -> None:
    path = tmp_path / "user_level_sample_data.csv"
    path.write_text(
        "user_id,jurisdiction,level,event_timestamp\n"
        "u1,MX,2,2020-01-02 16:33:06.112+00\n"
        "u1,mx,3,2020-01-02 16:33:07+00\n"
    )
    rows, _, _, vectorized = bulk(path, "user_level")
    assert vectorized == 2
    assert sorted(r[4] for r in rows) == ["u1|2020-01-02 16:33:06.112000", "u1|2020-01-02 16:33:07"]
    assert rows == reference(path, "user_level")[0]


@pytest.mark.parametrize("source", ["withdrawal", "user"])
def test_real_challenge_files_parse_the_same_both_ways(shared_data: Path, source: str) -> None:
    path = shared_data / "sr_de_challenge" / SOURCES[source].file_name
    rows, bad, n = reference(path, source)
    got_rows, got_bad, got_n, vectorized = bulk(path, source)
    assert (got_n, got_bad, got_rows) == (n, bad, rows)
    assert vectorized > 0.99 * n  # the exports' own lines all take the fast path
