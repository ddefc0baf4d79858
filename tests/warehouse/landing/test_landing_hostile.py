"""Landing hostile files: bytes that are not UTF-8, a byte order mark, lone carriage returns and
quoted line breaks land without a traceback, every record whole in one day, and the loader then
accounts for every landed record."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bitsodata.warehouse.db import DuckDatabase
from bitsodata.warehouse.landing.split import USERS_FILE, land
from bitsodata.warehouse.load.loader import landing_days, load_batch
from bitsodata.warehouse.sources.lines import EventWindow

DEPOSITS = "deposit_sample_data.csv"
HEADER = b"id,event_timestamp,user_id,amount,currency,tx_status\n"
WINDOW = EventWindow(datetime(2010, 1, 1), datetime(2030, 1, 1))
QUOTED = b'3,2020-01-10 11:00:00+00,u1,1,"mxn\n4,2020-01-11 11:00:00+00,u1,1,mxn",complete\n'
HOSTILE = [
    b"1,2020-01-10 10:00:00+00,u\xff1,1,mxn,complete\n",  # not UTF-8, first line
    b"2,2020-01-\xff0 10:00:00+00,u1,1,mxn,complete\n",  # not UTF-8 inside the timestamp
    QUOTED,  # one record over two lines: the second looks like a row of its own
    b'5,2020-01-10 12:00:00+00,u1,"1"\rx,mxn,complete\n',  # a lone CR after a quoted field
    b'6,2020-01-10 12:30:00+00,"u1,1,mxn,complete\n',  # a quote never closed
]
GOOD = [f"{i},2020-01-1{i % 3} 13:00:00+00,u1,1,mxn,complete\n".encode() for i in range(10, 40)]


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / DEPOSITS).write_bytes(b"\xef\xbb\xbf" + HEADER + b"".join(HOSTILE + GOOD))
    (src / USERS_FILE).write_bytes(b"\xef\xbb\xbfuser_id\n\xff\xfe\nu1\n")
    return src


def _landed(out: Path, name: str) -> list[bytes]:
    return [
        (day / name).read_bytes() for day in sorted(out.glob("date=*")) if (day / name).exists()
    ]


def test_hostile_files_land_whole_records_without_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = land(_source(tmp_path), out, late_share=1.0, late_days=2, seed=1)
    deposits, users = report.files[DEPOSITS], report.files[USERS_FILE]
    assert deposits.source_rows == deposits.landed_rows == len(HOSTILE) + len(GOOD)
    assert users.source_rows == users.landed_rows == 2
    files = _landed(out, DEPOSITS)
    assert all(f.startswith(HEADER) for f in files)  # the mark is not copied into the batches
    assert sum(f.count(QUOTED) for f in files) == 1  # the record travels whole
    landed = sorted(line for f in files for line in f[len(HEADER) :].splitlines(keepends=True))
    assert landed == sorted(b"".join(HOSTILE + GOOD).splitlines(keepends=True))


def test_every_landed_day_loads_and_accounts_for_each_record(tmp_path: Path) -> None:
    out = tmp_path / "out"
    land(_source(tmp_path), out, late_share=0.5, late_days=2, seed=3)
    db = DuckDatabase(":memory:")
    reports = [load_batch(db, folder, window=WINDOW) for _, folder in landing_days(out)]
    n_in = sum(r.rows_in["deposit"] for r in reports)
    n_bad = sum(r.rows_quarantined["deposit"] for r in reports)
    assert (n_in, n_bad) == (len(HOSTILE) + len(GOOD), len(HOSTILE))
    assert db.fetchall("select count(*) from fct_transaction") == [(len(GOOD),)]
    assert sum(r.rows_quarantined["user"] for r in reports) == 1  # the user line \xff\xfe
    db.close()


def test_a_header_the_loader_takes_the_landing_takes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    header = b'"ID","Event_Timestamp",USER_ID,amount,currency,tx_status\r\n'
    (src / DEPOSITS).write_bytes(header + GOOD[0].replace(b"\n", b"\r\n"))
    report = land(src, tmp_path / "out")
    assert report.files[DEPOSITS].landed_rows == 1
    [folder] = [folder for _, folder in landing_days(tmp_path / "out")]
    assert load_batch(DuckDatabase(":memory:"), folder, window=WINDOW).total_loaded == 1
