"""The warehouse's dbt project (``warehouse/project``) as the fast runner reads it.

Each model is rendered with the subset of dbt's Jinja the project uses (``ref``, ``source``,
``this``, ``is_incremental``, ``target``, ``var``, ``adapter.dispatch``, ``return`` and the
project's macros); its config, grain and tests come from the YAML beside it, and the models are
ordered by their ``ref()`` graph, as dbt orders them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

import jinja2
import yaml

from bitsodata.errors import WarehouseError

LAYERS = ("staging", "core", "marts")
MATERIALIZATIONS = ("view", "table", "incremental")
STRATEGIES = ("append", "replace_scope")


@dataclass(frozen=True)
class Scope:
    """The per-batch key model whose keys an incremental model deletes and recomputes."""

    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class DataTest:
    """One generic test of a model, as declared in its YAML."""

    kind: str
    model: str
    column: str | None
    args: tuple[tuple[str, Any], ...] = ()
    severity: str = "error"

    def arg(self, name: str) -> Any:
        return dict(self.args)[name]


@dataclass(frozen=True)
class SingularTest:
    """A SELECT of the rows that break a rule (``project/tests``)."""

    name: str
    sql: str
    severity: str


@dataclass(frozen=True)
class Model:
    """One rendered model with its config, graph edges and tests."""

    name: str
    layer: str
    sql: str
    materialized: str
    strategy: str | None
    unique_key: tuple[str, ...]
    grain: str
    description: str
    scope: Scope | None
    run_if: str | None
    refs: frozenset[str]
    sources: frozenset[str]
    reads_itself: bool
    tests: tuple[DataTest, ...] = field(default=())

    @property
    def persisted(self) -> bool:
        """Whether the model is a table of the warehouse (views and tables are per batch)."""
        return self.materialized == "incremental"


def project_root() -> Traversable:
    """The dbt project directory inside the package."""
    return resources.files("bitsodata.warehouse") / "project"


def _files(folder: Traversable, suffix: str) -> list[Traversable]:
    return sorted((e for e in folder.iterdir() if e.name.endswith(suffix)), key=lambda e: e.name)


@dataclass
class _Seen:
    """What rendering one template referred to."""

    refs: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    this: bool = False
    config: dict[str, Any] = field(default_factory=dict)


class _This:
    def __init__(self, name: str, seen: _Seen) -> None:
        self._name, self._seen = name, seen

    def __str__(self) -> str:
        self._seen.this = True
        return self._name


class _Adapter:
    """``adapter.dispatch``: the ``<engine>__name`` macro, else ``default__name``."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.macros: Any = None

    def dispatch(self, name: str, macro_namespace: str | None = None) -> Callable[..., Any]:
        del macro_namespace
        for candidate in (f"{self.engine}__{name}", f"default__{name}"):
            found = getattr(self.macros, candidate, None)
            if found is not None:
                return found  # type: ignore[no-any-return]
        raise WarehouseError("no macro for this engine", macro=name, engine=self.engine)


@dataclass(frozen=True)
class _Target:
    type: str
    schema: str


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)


@cache
def _template(text: str) -> jinja2.Template:
    """A template compiled once a process (rendering it again is much cheaper)."""
    return _ENV.from_string(text)


@cache
def _macro_text() -> str:
    root = project_root() / "macros"
    return "\n".join(f.read_text(encoding="utf-8") for f in _files(root, ".sql"))


@cache
def project_vars() -> dict[str, Any]:
    """The ``vars`` of ``dbt_project.yml``: the entities' columns, and the defaults of the vars a
    load supplies."""
    return dict(_read_yaml(project_root() / "dbt_project.yml").get("vars", {}) or {})


class _Renderer:
    """Renders the project's templates for one engine."""

    def __init__(
        self,
        engine: str,
        sources: Mapping[tuple[str, str], str],
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self._sources = sources
        self._vars = {**project_vars(), **(variables or {})}
        self._macros = _template(_macro_text())

    def render(self, name: str, text: str) -> tuple[str, _Seen]:
        seen = _Seen()

        def ref(model: str) -> str:
            seen.refs.add(model)
            return model

        def source(source_name: str, table: str) -> str:
            try:
                identifier = self._sources[(source_name, table)]
            except KeyError:
                raise WarehouseError("unknown source", source=f"{source_name}.{table}") from None
            seen.sources.add(identifier)
            return identifier

        def config(**kwargs: Any) -> str:
            seen.config.update(kwargs)
            return ""

        def var(var_name: str, default: Any = None) -> Any:
            if var_name in self._vars:
                return self._vars[var_name]
            if default is None:
                raise WarehouseError("var() without a value or a default", var=var_name)
            return default

        adapter = _Adapter(self.engine)
        context: dict[str, Any] = {
            "ref": ref,
            "source": source,
            "config": config,
            "var": var,
            "this": _This(name, seen),
            "is_incremental": lambda: True,  # the runner's tables exist (migrations)
            "target": _Target(self.engine, "main" if self.engine == "duckdb" else "public"),
            "adapter": adapter,
            "return": lambda value: value,
        }
        module = self._macros.make_module(vars=context)
        adapter.macros = module
        macros = {k: getattr(module, k) for k in dir(module) if not k.startswith("_")}
        try:
            sql = _template(text).render({**context, **macros})
        except jinja2.TemplateError as exc:
            raise WarehouseError(f"model does not render: {exc}", model=name) from exc
        return sql.strip().rstrip(";"), seen


def _read_yaml(path: Traversable) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise WarehouseError("a project YAML file is not a mapping", path=path.name)
    return data


@cache
def batch_sources() -> frozenset[str]:
    """The tables of the ``batch`` source: what the loader hands the models for one batch."""
    return frozenset(i for (group, _), i in _source_identifiers().items() if group == "batch")


@cache
def _source_identifiers() -> dict[tuple[str, str], str]:
    data = _read_yaml(project_root() / "models" / "staging" / "_sources.yml")
    return {
        (s["name"], t["name"]): t.get("identifier", t["name"])
        for s in data["sources"]
        for t in s["tables"]
    }


def _test_spec(item: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(item, str):
        return item, {}
    ((kind, body),) = item.items()
    body = dict(body or {})
    args = dict(body.pop("arguments", {}) or {})
    config = body.pop("config", {}) or {}
    if "severity" in config:
        args["severity"] = config["severity"]
    return kind, {**body, **args}


def _tests(model: str, spec: Mapping[str, Any]) -> list[DataTest]:
    found = []
    declared = [(None, t) for t in spec.get("data_tests", [])]
    for column in spec.get("columns", []):
        declared += [(column["name"], t) for t in column.get("data_tests", [])]
    for column_name, item in declared:
        kind, args = _test_spec(item)
        severity = str(args.pop("severity", "error"))
        frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items()))
        found.append(DataTest(kind, model, column_name, frozen, severity))
    return found


def _scope(spec: Mapping[str, Any] | None) -> Scope | None:
    return Scope(str(spec["table"]), tuple(spec["columns"])) if spec else None


def _model(renderer: _Renderer, layer: str, entry: Traversable, spec: Mapping[str, Any]) -> Model:
    name = entry.name.removesuffix(".sql")
    sql, seen = renderer.render(name, entry.read_text(encoding="utf-8"))
    config = {**dict(spec.get("config", {}) or {}), **seen.config}
    meta = {**dict(spec.get("meta", {}) or {}), **dict(config.get("meta", {}) or {})}
    materialized = config.get("materialized", "view" if layer == "staging" else "incremental")
    strategy = config.get("incremental_strategy") if materialized == "incremental" else None
    if materialized not in MATERIALIZATIONS or (
        strategy is not None and strategy not in STRATEGIES
    ):
        raise WarehouseError("materialization the runner does not know", model=name)
    key = config.get("unique_key", ())
    scope = _scope(meta.get("scope"))
    return Model(
        name=name,
        layer=layer,
        sql=sql,
        materialized=materialized,
        strategy=strategy,
        unique_key=(key,) if isinstance(key, str) else tuple(key),
        grain=str(meta.get("grain", "")),
        description=str(spec.get("description", "")).strip(),
        scope=scope,
        run_if=meta.get("run_if"),
        # the scope is read by the materialization: it must be built first
        refs=frozenset(seen.refs - {name} | ({scope.table} if scope else set())),
        sources=frozenset(seen.sources),
        reads_itself=seen.this,
        tests=tuple(_tests(name, spec)),
    )


@cache
def _entries() -> tuple[tuple[str, Traversable, Mapping[str, Any]], ...]:
    """(layer, file, YAML spec) of every model of the project."""
    found = []
    for layer in LAYERS:
        folder = project_root() / "models" / layer
        specs: dict[str, Mapping[str, Any]] = {}
        for yml in _files(folder, ".yml"):
            for spec in _read_yaml(yml).get("models", []):
                specs[spec["name"]] = spec
        for entry in _files(folder, ".sql"):
            found.append((layer, entry, specs.get(entry.name[:-4], {})))
    return tuple(found)


def _read_models(engine: str, variables: Mapping[str, Any] | None = None) -> list[Model]:
    renderer = _Renderer(engine, _source_identifiers(), variables)
    return ordered([_model(renderer, layer, e, spec) for layer, e, spec in _entries()])


LANDING = "landing"
"""The source of the files' records as text: the staging models over it run before the merge."""


@cache
def landing_tables() -> frozenset[str]:
    """The tables of the ``landing`` source: a batch's records as text."""
    return frozenset(i for (s, _), i in _source_identifiers().items() if s == LANDING)


def is_landing(model: Model) -> bool:
    """Whether ``model`` stages a landing table (the loader runs it before the merge)."""
    return bool(model.sources & landing_tables())


LOAD_VARS = ("earliest_event_at", "latest_event_at")
"""The vars a load supplies (its event window); the others keep the project's values."""


def _placeholder(name: str) -> str:
    return f"__bitsodata_var_{name}__"


def _with_vars(model: Model, variables: Mapping[str, Any]) -> Model:
    sql = model.sql
    for name in LOAD_VARS:
        value = str(variables[name])
        if "'" in value:
            raise WarehouseError("a var value may not hold a quote", var=name)
        sql = sql.replace(_placeholder(name), value)
    return replace(model, sql=sql)


@cache
def _templated(engine: str) -> tuple[Model, ...]:
    """Every model rendered once a process, with a placeholder for each load var (a daily batch
    does not pay for the templates again)."""
    return tuple(_read_models(engine, {n: _placeholder(n) for n in LOAD_VARS}))


REJECTED = "stg_landing__rejected"
"""The staging model of every source's rejected records (the quarantine records)."""


def rejected_model(engine: str) -> Model:
    """The model of the batch's quarantine records (it reads the landing models' tables)."""
    return next(m for m in load_models(engine) if m.name == REJECTED)


def landing_models(engine: str, variables: Mapping[str, str]) -> dict[str, Model]:
    """The staging models of the landing tables with ``variables`` (a load's event window), by
    the landing table each reads."""
    unknown = set(variables) - set(LOAD_VARS)
    if unknown:
        raise WarehouseError("not a var a load supplies", var=sorted(unknown))
    values = {**project_vars(), **variables}
    return {
        next(iter(m.sources & landing_tables())): _with_vars(m, values)
        for m in _templated(engine)
        if is_landing(m)
    }


def ordered(models: list[Model]) -> list[Model]:
    """The models in dependency order of their ``ref()`` graph (ties keep their reading order)."""
    names = {m.name for m in models}
    unknown = {r for m in models for r in m.refs} - names
    if unknown:
        raise WarehouseError("ref() to a model that does not exist", models=sorted(unknown))
    done: list[Model] = []
    placed: set[str] = set()
    while len(done) < len(models):
        ready = [m for m in models if m.name not in placed and m.refs <= placed]
        if not ready:
            raise WarehouseError("models have a reference cycle", models=sorted(names - placed))
        done += ready
        placed |= {m.name for m in ready}
    return done


@cache
def _load_models(engine: str) -> tuple[Model, ...]:
    return tuple(_with_vars(m, project_vars()) for m in _templated(engine))


def load_models(engine: str = "duckdb") -> list[Model]:
    """Every model of the project rendered for ``engine``, in dependency order (once a process)."""
    return list(_load_models(engine))


def render(engine: str, text: str) -> str:
    """One snippet of the project's Jinja (its macros included) rendered for ``engine``."""
    sql, _ = _Renderer(engine, _source_identifiers()).render("snippet", text)
    return sql


@cache
def _load_singular(engine: str) -> tuple[SingularTest, ...]:
    renderer = _Renderer(engine, _source_identifiers())
    found = []
    for entry in _files(project_root() / "tests", ".sql"):
        name = entry.name.removesuffix(".sql")
        sql, seen = renderer.render(name, entry.read_text(encoding="utf-8"))
        found.append(SingularTest(name, sql, str(seen.config.get("severity", "error"))))
    return tuple(found)


def singular_tests(engine: str = "duckdb") -> list[SingularTest]:
    """The project's singular tests (``project/tests/*.sql``) rendered for ``engine``."""
    return list(_load_singular(engine))
