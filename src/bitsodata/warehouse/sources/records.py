"""Source bytes -> CSV records: where a record ends, and its fields (RFC 4180 quoting).

A file is split at ``\\n`` only (a ``\\r`` before it belongs to the line end, a lone ``\\r``
is data). A record is one line, or several when a quoted field is still open at a line end. A
quoted field still open after ``MAX_RECORD_LINES`` lines, or at the end of the file, is
unterminated: its first line is then a record alone and the next line starts a new one, so one
stray quote costs one row, never the rest of the file. The loader's two readers and the landing
all cut records here, so they agree on what a row is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np
import numpy.typing as npt

MAX_RECORD_LINES = 64
"""Lines a quoted field may span before its record counts as unterminated."""
BOM = b"\xef\xbb\xbf"

_START, _FIELD, _QUOTED, _QUOTE = range(4)
_QUOTE_BYTE, _COMMA_BYTE = ord('"'), ord(",")
Offsets = npt.NDArray[np.int64]


def scan(line: bytes, state: int = _START) -> int:
    """The quoting state after ``line``: ``_START`` at a record's start, ``_QUOTED`` when a
    quoted field is open (the record goes on to the next line)."""
    if _QUOTE_BYTE not in line:
        return state if state == _QUOTED else _FIELD
    for byte in line:
        if state == _QUOTED:
            state = _QUOTE if byte == _QUOTE_BYTE else _QUOTED
        elif byte == _COMMA_BYTE:
            state = _START
        elif state == _START and byte == _QUOTE_BYTE:
            state = _QUOTED
        elif state == _QUOTE and byte == _QUOTE_BYTE:
            state = _QUOTED  # a doubled quote inside a quoted field
        else:
            state = _FIELD
    return state


def is_open(state: int) -> bool:
    return state == _QUOTED


def split_fields(text: str) -> list[str] | None:
    """The fields of one record, quotes removed (``""`` inside quotes is a quote); None when a
    quoted field is never closed. Text around a quoted part is kept, as Python's csv does."""
    if '"' not in text:
        return text.split(",")
    fields: list[str] = []
    buf: list[str] = []
    state = _START
    for ch in text:
        if state == _QUOTED:
            if ch == '"':
                state = _QUOTE
            else:
                buf.append(ch)
        elif ch == ",":
            fields.append("".join(buf))
            buf, state = [], _START
        elif ch == '"' and state in (_START, _QUOTE):
            if state == _QUOTE:
                buf.append('"')
            state = _QUOTED
        else:
            buf.append(ch)
            state = _FIELD
    if state == _QUOTED:
        return None
    fields.append("".join(buf))
    return fields


def iter_records(lines: Iterable[bytes], first_line: int = 1) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, record) for each record of ``lines`` (each given without its
    ``\\n``); a record's lines are joined with ``\\n`` and its final ``\\r`` is dropped."""
    source = iter(lines)
    pending: deque[bytes] = deque()
    number = first_line

    def pull() -> bool:
        line = next(source, None)
        if line is not None:
            pending.append(line)
        return line is not None

    while pending or pull():
        first = pending.popleft()
        if _QUOTE_BYTE not in first:  # almost every line: a record alone
            yield number, first.removesuffix(b"\r")
            number += 1
            continue
        state, taken = scan(first), 0
        while is_open(state) and taken + 1 < MAX_RECORD_LINES and (taken < len(pending) or pull()):
            state = scan(pending[taken], state)
            taken += 1
        if is_open(state):  # unterminated: the first line alone
            taken = 0
        record = b"\n".join([first, *(pending.popleft() for _ in range(taken))])
        yield number, record[:-1] if record.endswith(b"\r") else record
        number += taken + 1


def join_lines(line: Callable[[int], bytes], n: int, quoted: Sequence[int], final: bool) -> tuple[
    list[tuple[int, int]], int
]:  # fmt: skip
    """The same cut as :func:`iter_records` over ``n`` lines of which only ``quoted`` (sorted
    indexes) hold a quote: (first, last) line of each record of several lines, and how many
    lines are settled (fewer than ``n`` when the last record may go on past them: not ``final``)."""
    spans: list[tuple[int, int]] = []
    settled = 0  # lines before this index are inside records already cut
    for i in quoted:
        if i < settled:
            continue
        state, j = scan(line(i)), i
        while is_open(state) and j + 1 < n and j - i + 1 < MAX_RECORD_LINES:
            j += 1
            state = scan(line(j), state)
        if not is_open(state):
            if j > i:
                spans.append((i, j))
            settled = j + 1
        elif not final and j + 1 >= n and j - i + 1 < MAX_RECORD_LINES:
            return spans, i  # may close in lines not read yet
    return spans, n


@dataclass(frozen=True)
class Block:
    """Whole records of a file: ``data[offsets[k]:offsets[k + 1]]`` is record ``k`` with its
    line end(s), ``line_numbers[k]`` the number of its first line in the file."""

    data: bytes
    offsets: Offsets
    line_numbers: Offsets

    def __len__(self) -> int:
        return len(self.line_numbers)


def blocks(src: IO[bytes], size: int, first_line: int = 1) -> Iterator[Block]:
    """The rest of ``src`` as blocks of whole records, about ``size`` bytes each; the last
    line gets a ``\\n`` if it lacks one."""
    rest, number = b"", first_line
    while True:
        chunk = src.read(size)
        final = not chunk
        data = rest + chunk
        if final and data and not data.endswith(b"\n"):
            data += b"\n"
        cut = data.rfind(b"\n") + 1
        block = _cut(data[:cut], final, number) if cut else None
        if block is None:
            rest = data
        else:
            yield block
            used = int(block.offsets[-1])
            number += data.count(b"\n", 0, used)
            rest = data[used:]
        if final:
            return


def _cut(data: bytes, final: bool, number: int) -> Block | None:
    buf = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(buf == ord("\n")) + 1
    starts = np.concatenate(([0], ends)).astype(np.int64)
    quoted = np.unique(np.searchsorted(ends, np.flatnonzero(buf == _QUOTE_BYTE), side="right"))
    spans, settled = join_lines(
        lambda i: data[starts[i] : starts[i + 1] - 1], len(ends), quoted.tolist(), final
    )
    if not settled:
        return None
    first = np.ones(settled, dtype=bool)  # whether each line starts a record
    for i, j in spans:
        first[i + 1 : j + 1] = False
    index = np.flatnonzero(first)
    offsets = np.concatenate((starts[index], [starts[settled]]))
    return Block(data, offsets, index.astype(np.int64) + number)
