"""Entity-relationship diagram of the live schema: an SVG drawn in pure Python, and Mermaid text.

Tables, columns and primary keys come from the catalog; relationships from the
``references table.column`` comments. Dimensions on the left, facts in the middle, marts right.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from bitsodata.warehouse.catalog import Table, tables
from bitsodata.warehouse.db import Database
from bitsodata.warehouse.loader import open_db
from bitsodata.warehouse.runner import ensure_schema

ROW, HEAD, WIDTH, GAP_X, GAP_Y, MARGIN = 18, 24, 250, 110, 30, 20


@dataclass(frozen=True)
class Box:
    """Where one table is drawn."""

    table: Table
    x: int
    y: int

    @property
    def height(self) -> int:
        return HEAD + ROW * len(self.table.columns) + 6

    def row_y(self, column: str) -> int:
        names = [c.name for c in self.table.columns]
        return self.y + HEAD + ROW * names.index(column) + ROW // 2 + 3


def _lane(name: str) -> int:
    if name.startswith("dim_"):
        return 0
    if name.startswith("mart_"):
        return 2
    return 1


def layout(schema: list[Table]) -> list[Box]:
    """Place tables in three lanes, stacked top to bottom."""
    boxes: list[Box] = []
    heights = [MARGIN, MARGIN, MARGIN]
    for table in schema:
        lane = _lane(table.name)
        box = Box(table, MARGIN + lane * (WIDTH + GAP_X), heights[lane])
        boxes.append(box)
        heights[lane] += box.height + GAP_Y
    return boxes


def _box_svg(box: Box) -> list[str]:
    t = box.table
    out = [
        f'<g id="table-{t.name}">',
        f'<rect x="{box.x}" y="{box.y}" width="{WIDTH}" height="{box.height}" rx="4" '
        'fill="#ffffff" stroke="#33475b"/>',
        f'<rect x="{box.x}" y="{box.y}" width="{WIDTH}" height="{HEAD}" rx="4" fill="#33475b"/>',
        f'<text x="{box.x + 8}" y="{box.y + 17}" fill="#ffffff" font-weight="bold">'
        f"{escape(t.name)}</text>",
    ]
    for i, col in enumerate(t.columns):
        y = box.y + HEAD + ROW * (i + 1) - 3
        marks = " ".join(m for m, on in (("PK", col.is_pk), ("FK", col.references)) if on)
        out.append(f'<text x="{box.x + 8}" y="{y}">{escape(col.name)}</text>')
        out.append(
            f'<text x="{box.x + WIDTH - 8}" y="{y}" text-anchor="end" fill="#7a8794">'
            f"{escape(col.type)} {marks}</text>"
        )
    out.append("</g>")
    return out


def _edges(boxes: list[Box]) -> list[str]:
    by_name = {b.table.name: b for b in boxes}
    out = []
    for box in boxes:
        for col in box.table.columns:
            if not col.references:
                continue
            table, _, column = col.references.partition(".")
            target = by_name.get(table)
            if target is None or column not in [c.name for c in target.table.columns]:
                continue
            y1, y2 = box.row_y(col.name), target.row_y(column)
            if target.x > box.x:
                x1, x2 = box.x + WIDTH, target.x
            elif target.x < box.x:
                x1, x2 = box.x, target.x + WIDTH
            else:
                x1, x2 = box.x + WIDTH, target.x + WIDTH
            bend = 60 if x2 >= x1 else -60
            c1, c2 = (x1 + bend, x2 - bend) if target.x != box.x else (x1 + 50, x2 + 50)
            out.append(
                f'<path class="fk" data-from="{box.table.name}.{col.name}" '
                f'data-to="{col.references}" d="M{x1},{y1} C{c1},{y1} {c2},{y2} {x2},{y2}" '
                'fill="none" stroke="#e07b39" stroke-width="1.2"/>'
            )
    return out


def render_svg(schema: list[Table]) -> str:
    """The whole diagram as an SVG document."""
    boxes = layout(schema)
    width = MARGIN * 2 + 3 * WIDTH + 2 * GAP_X
    height = max((b.y + b.height for b in boxes), default=0) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
        "<title>bitsodata warehouse ERD</title>",
        f'<rect width="{width}" height="{height}" fill="#f7f9fb"/>',
    ]
    parts += _edges(boxes)
    for box in boxes:
        parts += _box_svg(box)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render_mermaid(schema: list[Table]) -> str:
    """The same diagram as a Mermaid ``erDiagram``."""
    lines = ["erDiagram"]
    for t in schema:
        lines.append(f"    {t.name} {{")
        for c in t.columns:
            marks = ",".join(m for m, on in (("PK", c.is_pk), ("FK", c.references)) if on)
            kind = c.type.split("(")[0].replace(" ", "_")
            lines.append(f"        {kind} {c.name}{' ' + marks if marks else ''}")
        lines.append("    }")
    for t in schema:
        for c in t.columns:
            if c.references:
                target = c.references.partition(".")[0]
                lines.append(f'    {target} ||--o{{ {t.name} : "{c.name}"')
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_erd(db: str | Database, out: Path) -> Path:
    """Draw the live schema of ``db`` to the SVG file ``out``."""
    with open_db(db) as handle:
        ensure_schema(handle)
        _write(out, render_svg(tables(handle)))
    return out


def write_mermaid(db: str | Database, out: Path) -> Path:
    """Write the live schema of ``db`` as Mermaid text to ``out``."""
    with open_db(db) as handle:
        ensure_schema(handle)
        _write(out, render_mermaid(tables(handle)))
    return out
