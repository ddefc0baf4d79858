"""Entity-relationship diagram of the live schema: an SVG drawn in pure Python, and Mermaid text.

Tables, columns and primary keys come from the catalog; relationships from the
``references table.column`` comments (the same references the dbt project tests with
``relationships``). Dimensions on the left, facts in the middle, marts right, as dbt's lineage
runs; lines carry crow's-foot cardinality and run only between lanes, never behind a box.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from bitsodata.warehouse.db import Database, open_db
from bitsodata.warehouse.schema import ensure_schema
from bitsodata.warehouse.serve.catalog import Table, tables

ROW, HEAD, WIDTH, GAP_X, GAP_Y, MARGIN = 18, 24, 250, 150, 30, 20
LANE_NAMES = ("dimensions", "facts", "marts")
TRACK = 8  # distance between two lines running side by side in a gap or corridor
LEFT = MARGIN + 6 * TRACK  # room left of the dimensions for lines between two dimensions


@dataclass(frozen=True)
class Box:
    """Where one table is drawn."""

    table: Table
    x: int
    y: int
    lane: int

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


def _lane_x(lane: int) -> int:
    return LEFT + lane * (WIDTH + GAP_X)


@dataclass(frozen=True)
class Edge:
    """One reference: a child column to the parent's key, and how many child rows a parent has."""

    child: Box
    column: str
    parent: Box
    parent_column: str
    child_is_one: bool  # the column is the child's whole key: zero or one row per parent


def _edges(boxes: list[Box]) -> list[Edge]:
    by_name = {b.table.name: b for b in boxes}
    found = []
    for box in boxes:
        for col in box.table.columns:
            if not col.references:
                continue
            table, _, column = col.references.partition(".")
            target = by_name.get(table)
            if target is None or column not in [c.name for c in target.table.columns]:
                continue
            one = box.table.primary_key == (col.name,)
            found.append(Edge(box, col.name, target, column, one))
    return found


def _corridor_height(edges: list[Edge]) -> int:
    return TRACK * (1 + sum(1 for e in edges if abs(e.child.lane - e.parent.lane) > 1))


def layout(schema: list[Table]) -> list[Box]:
    """Place tables in three lanes (dimensions, facts, marts), stacked top to bottom, below a
    corridor for the lines that cross the middle lane."""
    placed = [Box(t, _lane_x(_lane(t.name)), 0, _lane(t.name)) for t in schema]
    top = MARGIN + _corridor_height(_edges(placed))
    boxes: list[Box] = []
    heights = [top, top, top]
    for table in schema:
        lane = _lane(table.name)
        box = Box(table, _lane_x(lane), heights[lane], lane)
        boxes.append(box)
        heights[lane] += box.height + GAP_Y
    return boxes


def _route(edge: Edge, tracks: dict[str, int]) -> list[tuple[int, int]]:
    """An orthogonal path from the child's row to the parent's row that runs only through the
    gaps between lanes, the corridor above them, or the margin left of the dimensions: never
    behind a box. ``tracks`` hands each line its own lane of each gap."""

    def track(name: str, base: int, step: int) -> int:
        tracks[name] = tracks.get(name, 0) + 1
        return base + step * tracks[name]

    c, p = edge.child, edge.parent
    y1, y2 = c.row_y(edge.column), p.row_y(edge.parent_column)
    if c.lane == p.lane:  # through the margin left of the lane
        x = track(f"left{c.lane}", c.x, -TRACK)
        return [(c.x, y1), (x, y1), (x, y2), (p.x, y2)]
    step = -1 if p.lane < c.lane else 1
    x1 = c.x if step < 0 else c.x + WIDTH
    x2 = p.x + WIDTH if step < 0 else p.x
    points = [(x1, y1)]
    first_gap = min(c.lane, c.lane + step)
    last_gap = min(p.lane, p.lane - step)
    gx = track(f"gap{first_gap}", _lane_x(first_gap) + WIDTH, TRACK)
    points.append((gx, y1))
    if first_gap != last_gap:  # over the middle lane through the corridor
        cy = track("corridor", MARGIN, TRACK)
        hx = track(f"gap{last_gap}", _lane_x(last_gap) + WIDTH, TRACK)
        points += [(gx, cy), (hx, cy)]
        gx = hx
    points += [(gx, y2), (x2, y2)]
    return points


def _crows_feet(edge: Edge, points: list[tuple[int, int]]) -> list[str]:
    """Crow's-foot ends: two bars at the parent (exactly one), and at the child a circle with
    a foot (zero or many) or with a bar (zero or one)."""
    style = 'stroke="#e07b39" stroke-width="1.2" fill="none"'
    (cx, cy), (nx, _) = points[0], points[1]
    (px, py), (qx, _) = points[-1], points[-2]
    d = 1 if nx > cx else -1  # the direction the line leaves the child
    e = 1 if qx > px else -1  # the direction the line leaves the parent
    out = [
        f'<line class="card-one" x1="{px + e * w}" y1="{py - 5}" x2="{px + e * w}" y2="{py + 5}" '
        f"{style}/>"
        for w in (6, 10)
    ]
    if edge.child_is_one:
        out.append(
            f'<line class="card-one" x1="{cx + d * 8}" y1="{cy - 5}" x2="{cx + d * 8}" '
            f'y2="{cy + 5}" {style}/>'
        )
    else:
        out += [
            f'<line class="card-many" x1="{cx + d * 10}" y1="{cy}" x2="{cx}" y2="{cy + dy}" '
            f"{style}/>"
            for dy in (-5, 0, 5)
        ]
    out.append(
        f'<circle class="card-zero" cx="{cx + d * 15}" cy="{cy}" r="3.5" {style} '
        'fill-opacity="1" style="fill:#f7f9fb"/>'
    )
    return out


def _edges_svg(boxes: list[Box]) -> list[str]:
    out: list[str] = []
    tracks: dict[str, int] = {}
    for edge in _edges(boxes):
        points = _route(edge, tracks)
        d = "M" + " L".join(f"{x},{y}" for x, y in points)
        ref = f"{edge.parent.table.name}.{edge.parent_column}"
        out.append(
            f'<path class="fk" data-from="{edge.child.table.name}.{edge.column}" '
            f'data-to="{ref}" d="{d}" fill="none" stroke="#e07b39" stroke-width="1.2"/>'
        )
        out += _crows_feet(edge, points)
    return out


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


def render_svg(schema: list[Table]) -> str:
    """The whole diagram as an SVG document."""
    boxes = layout(schema)
    width = _lane_x(2) + WIDTH + MARGIN
    height = max((b.y + b.height for b in boxes), default=0) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
        "<title>bitsodata warehouse ERD</title>",
        f'<rect width="{width}" height="{height}" fill="#f7f9fb"/>',
    ]
    parts += _edges_svg(boxes)
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
                many = "o|" if t.primary_key == (c.name,) else "o{"
                lines.append(f'    {target} ||--{many} {t.name} : "{c.name}"')
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
