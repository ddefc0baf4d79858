"""Load one batch (any set of source files) into the warehouse, in one transaction.

Flow: check every header (a mismatch writes nothing) -> read every record as text into the landing
tables -> the staging models check and type them (valid rows, or quarantine with their reason) ->
run the models (merge by natural key and quarantine conflicting versions, scope the batch to the
keys it touched, facts append new keys, dimensions and snapshots recompute only the touched keys)
-> commit.
"""

from __future__ import annotations

import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bitsodata.errors import BitsodataError, WarehouseError
from bitsodata.settings import WarehouseSettings
from bitsodata.warehouse.db import Database, open_db
from bitsodata.warehouse.load import merge
from bitsodata.warehouse.load.models import (
    batch_sources,
    landing_models,
    landing_tables,
    rejected_model,
)
from bitsodata.warehouse.load.runner import (
    Model,
    ensure_schema,
    fill_table,
    filled_tables,
    load_models,
    run_batch,
)
from bitsodata.warehouse.sources.columnar import iter_columnar
from bitsodata.warehouse.sources.columns import landing_ddl
from bitsodata.warehouse.sources.lines import (
    SOURCES,
    Chunk,
    EventWindow,
    SourceSpec,
    check_header,
    iter_landing,
)

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    """Counts of one load: per source, ``rows_in == rows_loaded + rows_quarantined``."""

    batch: str
    rows_in: Counter[str] = field(default_factory=Counter)
    rows_loaded: Counter[str] = field(default_factory=Counter)
    rows_quarantined: Counter[str] = field(default_factory=Counter)
    rows_withdrawn: int = 0
    users_touched: int = 0
    seconds: float = 0.0

    @property
    def total_in(self) -> int:
        return sum(self.rows_in.values())

    @property
    def total_loaded(self) -> int:
        return sum(self.rows_loaded.values())

    @property
    def total_quarantined(self) -> int:
        return sum(self.rows_quarantined.values())


def batch_files(batch_dir: Path) -> list[tuple[SourceSpec, Path]]:
    """The known source files present in ``batch_dir`` (headers checked, nothing read yet)."""
    if not batch_dir.is_dir():
        raise WarehouseError("batch directory not found", path=str(batch_dir))
    found = [(s, batch_dir / s.file_name) for s in SOURCES.values()]
    present = [(s, p) for s, p in found if p.is_file()]
    if not present:
        raise WarehouseError("no source file in the batch directory", path=str(batch_dir))
    for spec, path in present:
        check_header(path, spec)
    return present


def _land_file(
    db: Database, spec: SourceSpec, path: Path, chunks: Iterator[Chunk], on_rows: Progress | None
) -> int:
    """Load a file's records as text into its landing table; the number of records."""
    n_in = 0
    for chunk in chunks:
        try:
            db.insert_arrow(spec.raw_table, chunk.table)
        except Exception as exc:  # name where it happened: the batch is rolled back
            first, last = chunk.lines
            raise WarehouseError(
                f"batch not loaded, nothing written: {path.name} lines {first}-{last}: {exc}",
                path=str(path),
                line=first,
            ) from exc
        n_in += chunk.table.num_rows
        if on_rows is not None:
            on_rows(chunk.table.num_rows)
    return n_in


def _stage_source(db: Database, spec: SourceSpec, model: Model, state: LoadState) -> int:
    """Run the source's staging model over its landing table into its table, and copy the valid
    rows into the entity's ``_in_*`` table (the ``batch`` source the merge reads). Returns how
    many records it rejected. The connection's first batch creates the staging table with its
    rows (the long staging SQL is planned once, not twice)."""
    n_in = fill_table(db, state.relations, model.name, model.sql)
    if not n_in:
        return 0
    state.staged.add(model.name)
    entity = merge.ENTITIES[merge.SOURCE_ENTITY[spec.name]]
    cols = ", ".join((*entity.columns, "natural_key", "raw_line"))
    valid = f"from {model.name} where rejected_because is null"
    n_ok = db.execute_count(f"insert into {entity.in_table} ({cols}) select {cols} {valid}")
    if n_ok:
        state.filled.add(entity.name)
        if entity.name == "transaction":
            state.currencies.update(db.fetch_column(f"select distinct currency_code {valid}"))
    return n_in - n_ok


def _quarantine_rejected(db: Database, rejected: Model) -> None:
    """The rejected records of every source as quarantine records not stored yet."""
    db.execute(
        "insert into quarantine (quarantine_id, source, natural_key, reason, raw_line) "
        f"select * from ({rejected.sql}) as r where not exists "
        "(select 1 from quarantine as q where q.quarantine_id = r.quarantine_id)"
    )


def _stage(
    db: Database,
    files: list[tuple[SourceSpec, Path]],
    report: LoadReport,
    on_rows: Progress | None,
    state: LoadState,
    window: EventWindow,
) -> None:
    """Read every file into its landing table, then stage each in SQL (check, type, reject)
    into its staging table, its valid rows into the ``_in_*`` tables the merge reads, and its
    rejected records into ``quarantine``."""
    landing = landing_models(db.engine, window.variables())
    for spec, path in files:
        n_in = _land_file(db, spec, path, _chunks(path, spec), on_rows)
        report.rows_in[spec.name] += n_in
        if n_in:
            state.landed.add(spec.raw_table)
    n_rejected = 0
    for spec in SOURCES.values():
        model = landing[spec.raw_table]
        if spec.raw_table in state.landed or model.name not in state.relations:
            rejected = _stage_source(db, spec, model, state)
            report.rows_quarantined[spec.name] += rejected
            n_rejected += rejected
    if n_rejected:
        _quarantine_rejected(db, rejected_model(db.engine))


SMALL_FILE_BYTES = 256 << 10


def _chunks(path: Path, spec: SourceSpec) -> Iterator[Chunk]:
    """The bulk reader, or for a small file (a daily batch's) the reference reader: below a few
    thousand lines the kernels' fixed cost (~1 ms a file) is more than the lines cost. Both give
    the same rows (tests/warehouse/sources/test_columnar.py)."""
    if path.stat().st_size >= SMALL_FILE_BYTES:
        yield from iter_columnar(path, spec)
    else:
        yield from iter_landing(path, spec)


@dataclass
class _Session:
    """What the loader knows about one connection once a batch has committed on it: its landing
    and batch tables exist, which per-batch relations (staging tables, the models' tables and
    views, the runner's replacement tables) it has, and which currencies ``dim_currency``
    already holds."""

    known_currencies: set[str] = field(default_factory=set)
    relations: set[str] = field(default_factory=set)


_SESSIONS: weakref.WeakKeyDictionary[Database, _Session] = weakref.WeakKeyDictionary()


def _prepare(db: Database) -> None:
    """Create the connection's landing and batch tables once (they survive batches; the
    staging tables follow with the connection's first batch)."""
    if db in _SESSIONS:
        return
    for spec in SOURCES.values():
        db.execute(landing_ddl(spec))
    for entity in merge.ENTITIES.values():
        merge.create_batch_tables(db, entity)


def _empty(db: Database, tables: list[str]) -> None:
    """Empty the batch's tables for the next batch, in one round trip."""
    if tables:
        db.execute("; ".join(f"delete from {t}" for t in tables))


UNKNOWN = ""  # marks a batch whose currencies are not all stored: never cached as known


def load_batch(
    db: str | Database,
    batch_dir: Path,
    *,
    on_rows: Progress | None = None,
    build: Builder | None = None,
    window: EventWindow | None = None,
) -> LoadReport:
    """Merge the source files of ``batch_dir`` into the warehouse ``db`` (path, URL or handle).

    ``on_rows`` is called with the number of records read after each chunk (progress bars).
    ``build`` runs the models on the staged batch: the fast runner by default, or
    :func:`publish_sources` to leave the batch for a ``dbt build``.
    Rows whose event time is outside ``window`` are quarantined (default: the window the default
    :class:`WarehouseSettings` give at the current time; see :meth:`EventWindow.around`).
    """
    if window is None:
        window = EventWindow.around(WarehouseSettings(), datetime.now(UTC))
    started = time.perf_counter()
    files = batch_files(batch_dir)
    report = LoadReport(batch=str(batch_dir))
    with open_db(db) as handle:
        models = load_models(handle.engine)
        ensure_schema(handle)
        try:
            _load(handle, files, models, report, on_rows, build or run_runner, window)
        except BitsodataError:
            raise
        except Exception as exc:  # an engine error: the transaction was rolled back
            raise WarehouseError(
                f"batch not loaded, nothing written: {exc}", path=str(batch_dir)
            ) from exc
    for source, n in report.rows_in.items():
        report.rows_loaded[source] = n - report.rows_quarantined[source]
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class LoadState:
    """What staging one batch left for the models: the entities with rows, whether each batch
    source table has rows (1) or not (0), the currencies the batch brought and whether
    ``dim_currency`` may lack one of them, and the per-batch relations the connection has
    (staging and the runner add the ones they create; they are the connection's once the batch
    commits)."""

    filled: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    new_currencies: bool = True
    relations: set[str] = field(default_factory=set)
    landed: set[str] = field(default_factory=set)
    """The landing tables the batch filled."""
    staged: set[str] = field(default_factory=set)
    """The staging tables the batch filled."""

    @property
    def counts(self) -> dict[str, int]:
        """What the runner decides by: rows of each batch source, and ``meta.run_if`` counts."""
        return {**self.rows, "new_currencies": int(self.new_currencies)}


@dataclass(frozen=True)
class Built:
    """What building one batch did: the per-batch tables to empty, and (the fast runner only:
    dbt builds after the commit) the conflicting versions it quarantined."""

    filled: list[str] = field(default_factory=list)
    quarantined_by_source: Counter[str] = field(default_factory=Counter)
    withdrawn: int = 0
    users_touched: int = 0


Builder = Callable[[Database, list[Model], LoadState], Built]


def run_runner(handle: Database, models: list[Model], state: LoadState) -> Built:
    """The default builder: the fast runner, inside the batch's transaction."""
    seen = run_batch(handle, models, state.counts, state.relations)
    by_source, withdrawn = _conflict_counts(handle, models, seen)
    users = next(
        (seen.get(m.scope.table, 0) for m in models if m.name == "dim_user" and m.scope), 0
    )
    return Built(filled_tables(models, seen), by_source, withdrawn, max(users, 0))


def _conflict_counts(
    handle: Database, models: list[Model], seen: dict[str, int]
) -> tuple[Counter[str], int]:
    """Lines quarantined as conflicting, per source, and stored versions withdrawn (one query,
    only when a conflict table of the quarantine model has rows)."""
    quarantine = next((m for m in models if m.name == "quarantine"), None)
    tables = sorted(r for r in quarantine.refs if seen.get(r, 0)) if quarantine else []
    by_source: Counter[str] = Counter()
    if not tables:
        return by_source, 0
    union = " union all ".join(f"select source, n_lines, is_stored from {t}" for t in tables)
    withdrawn = 0
    for source, lines, stored, versions in handle.fetchall(
        f"select source, sum(n_lines), is_stored, count(*) from ({union}) as c "
        "group by source, is_stored"
    ):
        if stored:
            withdrawn += int(versions)
        else:
            by_source[source] += int(lines)
    return by_source, withdrawn


def publish_sources(handle: Database, models: list[Model], state: LoadState) -> Built:
    """The builder for dbt: copy the batch's sources (its records as text, which the staging
    views show, and the typed rows the models read) into tables of the warehouse's schema, where a
    ``dbt build`` after the commit finds them."""
    del models, state
    schema, temp = "public", "pg_temp"
    if handle.engine == "duckdb":  # `main` alone would find the temporary schema first
        schema, temp = f"{handle.fetchall('select current_database()')[0][0]}.main", "temp.main"
    for name in sorted(batch_sources() | landing_tables()):
        target, rows = f"{schema}.{name}", f"select * from {temp}.{name}"
        handle.execute(f"create table if not exists {target} as {rows} limit 0")
        handle.execute(f"delete from {target}")  # dbt's views depend on it: never dropped
        handle.execute(f"insert into {target} {rows}")
    return Built()


def _load(
    handle: Database,
    files: list[tuple[SourceSpec, Path]],
    models: list[Model],
    report: LoadReport,
    on_rows: Progress | None,
    build: Builder,
    window: EventWindow,
) -> None:
    """The whole batch in one transaction (rolled back on any error)."""
    handle.size_for(sum(path.stat().st_size for _, path in files))
    with handle.transaction():
        _prepare(handle)
        # the per-batch relations the connection has; currencies it has committed are in
        # dim_currency (it never shrinks)
        session = _SESSIONS.get(handle, _Session())
        state = LoadState(relations=set(session.relations))
        _stage(handle, files, report, on_rows, state, window)
        state.rows = {e.in_table: int(e.name in state.filled) for e in merge.ENTITIES.values()}
        known = session.known_currencies
        state.new_currencies = not state.currencies <= known
        built = build(handle, models, state)
        report.rows_quarantined.update(built.quarantined_by_source)
        report.rows_withdrawn = built.withdrawn
        report.users_touched = built.users_touched
        if built.quarantined_by_source:
            state.currencies.add(UNKNOWN)  # a conflicting row's currency may not be stored
        in_tables = [merge.ENTITIES[e].in_table for e in sorted(state.filled)]
        _empty(handle, sorted(state.landed | state.staged) + in_tables + built.filled)
    committed = known | state.currencies if UNKNOWN not in state.currencies else known
    _SESSIONS[handle] = _Session(known_currencies=committed, relations=state.relations)


def landing_days(landing: Path) -> list[tuple[date, Path]]:
    """The ``date=YYYY-MM-DD`` batch folders of a landing area, oldest first."""
    if not landing.is_dir():
        raise WarehouseError("landing directory not found", path=str(landing))
    days = []
    for path in landing.iterdir():
        if path.is_dir() and path.name.startswith("date="):
            try:
                days.append((date.fromisoformat(path.name[5:]), path))
            except ValueError:
                continue
    return sorted(days)


def day_batch(landing: Path, day: date) -> Path:
    """The batch folder of ``day`` in ``landing``."""
    path = landing / f"date={day.isoformat()}"
    if not path.is_dir():
        raise WarehouseError("no batch for that day in the landing area", path=str(path))
    return path


def count_lines(batch_dir: Path) -> int:
    """Data lines of the batch (for progress bars); cheap byte count of newlines."""
    total = 0
    for spec in SOURCES.values():
        path = batch_dir / spec.file_name
        if path.is_file():
            with path.open("rb") as f:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return total
