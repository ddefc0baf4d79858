"""Reading at the boundary: headers, the columns of each source, landing rows of text fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitsodata.errors import SchemaMismatchError
from bitsodata.warehouse.sources.columns import SOURCES
from bitsodata.warehouse.sources.lines import check_header, iter_landing


def _rows(path: Path, source: str) -> list[dict[str, object]]:
    return [r for c in iter_landing(path, SOURCES[source]) for r in c.table.to_pylist()]


def test_header_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_text("id,when,user_id,amount,currency,tx_status\n")
    with pytest.raises(SchemaMismatchError) as info:
        check_header(path, SOURCES["deposit"])
    assert info.value.missing == ["event_timestamp"]  # type: ignore[attr-defined]


def test_deposits_accept_an_interface_column_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_text(
        "user_id,id,event_timestamp,amount,interface,currency,tx_status\n\n"
        'u1,7,2020-01-01 00:00:00+00,"1.5",APP,MXN,Complete\n'
    )
    [row] = _rows(path, "deposit")
    assert row == {
        "line_no": 3,
        "raw_line": 'u1,7,2020-01-01 00:00:00+00,"1.5",APP,MXN,Complete',
        "read_reason": None,
        "id": "7",
        "event_timestamp": "2020-01-01 00:00:00+00",
        "user_id": "u1",
        "amount": "1.5",
        "interface": "APP",
        "currency": "MXN",
        "tx_status": "Complete",
    }


def test_a_file_without_the_optional_column_lands_it_as_null(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_text("id,event_timestamp,user_id,amount,currency,tx_status\n1,t,u1,1,mxn,done\n")
    [row] = _rows(path, "deposit")
    assert row["interface"] is None and row["tx_status"] == "done"


def test_wrong_field_count_is_a_read_reason(tmp_path: Path) -> None:
    path = tmp_path / "event_sample_data.csv"
    path.write_text("id,event_timestamp,user_id,event_name\n1,2020-01-01 00:00:00+00,u1\n")
    [row] = _rows(path, "event")
    assert row["read_reason"] == "wrong number of fields" and row["id"] is None


def test_nul_is_escaped_in_the_raw_line_and_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "user_id_sample_data.csv"
    path.write_bytes(b"user_id\nu\x001\n")
    [row] = _rows(path, "user")
    assert (row["raw_line"], row["user_id"]) == ("u\\x001", "u\\x001")
