"""CSV/Parquet export of every table, and the ERD (SVG + Mermaid) drawn from the live schema."""

from __future__ import annotations

import csv
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bitsodata.warehouse.db import DuckDatabase
from bitsodata.warehouse.load.loader import load_batch
from bitsodata.warehouse.serve.catalog import tables
from bitsodata.warehouse.serve.erd import render_mermaid, write_erd
from bitsodata.warehouse.serve.export import export_tables
from tests.warehouse.conftest import HANDMADE

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[DuckDatabase]:
    handle = DuckDatabase(str(tmp_path / "wh.duckdb"))
    load_batch(handle, HANDMADE / "day1")
    yield handle
    handle.close()


def test_one_csv_and_parquet_per_table_with_every_row(db: DuckDatabase, tmp_path: Path) -> None:
    paths = export_tables(db, tmp_path / "out")
    names = {t.name for t in tables(db)}
    assert {p.name for p in paths} == {f"{n}.{ext}" for n in names for ext in ("csv", "parquet")}
    for name in names:
        with (tmp_path / "out" / f"{name}.csv").open() as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == db.fetchall(f"select count(*) from {name}")[0][0]
        assert pq.read_table(tmp_path / "out" / f"{name}.parquet").num_rows == len(rows)
    with (tmp_path / "out" / "fct_transaction.csv").open() as f:
        amounts = {
            r["transaction_id"]: r["amount"]
            for r in csv.DictReader(f)
            if r["transaction_kind"] == "deposit"
        }
    assert amounts["2"] == "0.000000000000000001"  # exact, not a float


def test_erd_has_a_box_per_table_and_a_line_per_reference(db: DuckDatabase, tmp_path: Path) -> None:
    write_erd(db, tmp_path / "erd.svg")
    root = ET.parse(tmp_path / "erd.svg").getroot()
    boxes = {g.get("id") for g in root.iter(f"{SVG}g")}
    schema = tables(db)
    assert boxes == {f"table-{t.name}" for t in schema}
    edges = {(p.get("data-from"), p.get("data-to")) for p in root.iter(f"{SVG}path")}
    assert ("fct_transaction.user_id", "dim_user.user_id") in edges
    assert ("mart_user_currency_daily.currency_code", "dim_currency.currency_code") in edges
    assert len(edges) == sum(1 for t in schema for c in t.columns if c.references)
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "PK" in texts and "FK" in texts


def test_mermaid_lists_tables_keys_and_relationships(db: DuckDatabase) -> None:
    text = render_mermaid(tables(db))
    assert text.startswith("erDiagram")
    assert "varchar user_id PK" in text
    assert 'dim_user ||--o{ fct_event : "user_id"' in text


def _boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for g in root.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        assert rect is not None
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        w, h = float(rect.get("width", 0)), float(rect.get("height", 0))
        found[str(g.get("id"))] = (x, y, x + w, y + h)
    return found


def test_erd_lines_never_run_behind_a_box(db: DuckDatabase, tmp_path: Path) -> None:
    write_erd(db, tmp_path / "erd.svg")
    root = ET.parse(tmp_path / "erd.svg").getroot()
    boxes = _boxes(root)
    for path in root.iter(f"{SVG}path"):
        points = [tuple(map(float, p.split(","))) for p in path.get("d", "")[1:].split(" L")]
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            assert x1 == x2 or y1 == y2  # orthogonal segments
            for name, (left, top, right, bottom) in boxes.items():
                inside_x = max(x1, x2) > left + 1 and min(x1, x2) < right - 1
                inside_y = max(y1, y2) > top + 1 and min(y1, y2) < bottom - 1
                assert not (inside_x and inside_y), (path.get("data-from"), name)


def test_erd_draws_crows_feet_and_matches_the_dbt_relationships(
    db: DuckDatabase, tmp_path: Path
) -> None:
    from bitsodata.warehouse.load.models import load_models

    write_erd(db, tmp_path / "erd.svg")
    root = ET.parse(tmp_path / "erd.svg").getroot()
    edges = {(p.get("data-from"), p.get("data-to")) for p in root.iter(f"{SVG}path")}
    declared = {
        (f"{t.model}.{t.column}", f"{str(t.arg('to'))[5:-2]}.{t.arg('field')}")
        for m in load_models()
        for t in m.tests
        if t.kind == "relationships"
    }
    assert edges == declared
    classes = [line.get("class") for line in root.iter(f"{SVG}line")]
    assert classes.count("card-many") == 3 * (len(edges) - 1)  # a foot on every many side
    assert classes.count("card-one") == 2 * len(edges) + 1  # user_snapshot: one per user
    mermaid = render_mermaid(tables(db))
    assert 'dim_user ||--o| user_snapshot : "user_id"' in mermaid
    assert 'dim_user ||--o{ fct_event : "user_id"' in mermaid
