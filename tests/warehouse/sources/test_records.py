"""Cutting records: a quoted field may span lines, a stray quote costs one line, the streaming
cut (reference reader) and the block cut (bulk reader, landing) agree for any bytes."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.warehouse.sources.records import MAX_RECORD_LINES, blocks, iter_records, split_fields


def _streamed(data: bytes) -> list[tuple[int, bytes]]:
    lines = data.removesuffix(b"\n").split(b"\n") if data else []  # as a file iterates
    return list(iter_records(lines))


def _blocked(data: bytes, size: int) -> list[tuple[int, bytes]]:
    out = []
    for block in blocks(io.BytesIO(data), size):
        for k in range(len(block)):
            raw = block.data[block.offsets[k] : block.offsets[k + 1]]
            out.append((int(block.line_numbers[k]), raw.removesuffix(b"\n").removesuffix(b"\r")))
    return out


def test_a_quoted_line_break_joins_lines_into_one_record() -> None:
    data = b'1,"a\nb",c\r\n2,"x""\ny"\n3,plain\n'
    assert _streamed(data) == [(1, b'1,"a\nb",c'), (3, b'2,"x""\ny"'), (5, b"3,plain")]


def test_an_unterminated_quote_is_a_record_alone() -> None:
    lines = [b'1,"open'] + [b"%d,x" % i for i in range(2, MAX_RECORD_LINES + 5)]
    records = _streamed(b"\n".join(lines) + b"\n")
    assert records[:2] == [(1, b'1,"open'), (2, b"2,x")]
    assert len(records) == len(lines)
    closing = b'1,"a\n' + b"x\n" * (MAX_RECORD_LINES - 2) + b'b"\n'  # closes on its last line
    assert _streamed(closing) == [(1, closing[:-1])]


def test_quotes_inside_an_unquoted_field_are_characters() -> None:
    assert _streamed(b'1,ab"c\n2,d\n') == [(1, b'1,ab"c'), (2, b"2,d")]
    assert split_fields('1,ab"c,"x""y",""') == ["1", 'ab"c', 'x"y', ""]
    assert split_fields('1,"open') is None


_TEXT = st.text(st.sampled_from(['"', ",", "a", " ", "\n", "\r", "é"]), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_TEXT, min_size=1, max_size=4), min_size=1, max_size=6))
def test_fields_split_as_python_csv_writes_them(rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    records = _streamed(out.getvalue().encode())
    assert [split_fields(r.decode()) for _, r in records] == rows


_BYTES = st.binary(max_size=0) | st.lists(
    st.sampled_from([b'"', b",", b"a", b"\n", b"\r", b"\xff", b'""', b"\n\n"]), max_size=60
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(_BYTES, st.sampled_from([1, 3, 8, 64, 1 << 16]))
def test_block_cut_equals_streaming_cut(data: bytes, size: int) -> None:
    if data and not data.endswith(b"\n"):
        data += b"\n"
    assert _blocked(data, size) == _streamed(data)
