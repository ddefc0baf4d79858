"""Alert rules: typed, validated, stored as ``[[rule]]`` tables in a TOML file.

A table without ``metric`` (or with ``metric = "spread"``) is a spread ``Rule``; any other
``metric`` names a column of the depth rows (``depth_1pct_ask_base``, ``slippage_buy_1btc_bp``)
and makes a ``MetricRule``, which may fire ``above`` or ``below`` a level.

``RulesFile`` re-reads the file when it changes so the running collector picks up edits without a
restart; a broken edit keeps the previous rules (and says so in the log).
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from bitsodata.alerts.events import describe
from bitsodata.errors import ConfigError
from bitsodata.lake.layout import check_book
from bitsodata.lake.storage import write_atomic
from bitsodata.logs import event

log = logging.getLogger(__name__)

ALL_BOOKS = "*"
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_KEYS = frozenset({"name", "book", "above", "for_seconds", "clear_below", "severity"})
_METRIC_KEYS = frozenset(
    {"name", "book", "metric", "above", "below", "for_seconds", "clear_below", "clear_above"}
    | {"severity"}
)
_METRIC = re.compile(r"[a-z][a-z0-9_]{0,63}")
SPREAD = "spread"


@dataclass(frozen=True, slots=True)
class Rule:
    """Alert when a book's spread (percent) stays above ``above`` for ``for_seconds`` seconds.

    The alert resolves when the spread drops to ``clear_below`` (hysteresis) or, when that is
    unset, back to ``above`` or below.
    """

    name: str
    book: str
    above: Decimal
    for_seconds: int = 0
    clear_below: Decimal | None = None
    severity: str = "warning"

    def __post_init__(self) -> None:
        _validate(self)

    def applies_to(self, book: str) -> bool:
        """The rule watches this book."""
        return self.book in (ALL_BOOKS, book)

    @property
    def clear_level(self) -> Decimal:
        """The spread at or below which a firing alert resolves."""
        return self.above if self.clear_below is None else self.clear_below

    metric = SPREAD

    @property
    def threshold(self) -> Decimal:
        return self.above

    def breached(self, value: Decimal) -> bool:
        return value > self.above

    def cleared(self, value: Decimal) -> bool:
        return value <= self.clear_level

    def firing_text(self, book: str, value: Decimal, held: str) -> str:
        return f"{book} spread {describe(value)} above {self.above}%{held} [{self.name}]"

    def resolved_text(self, book: str, value: Decimal, seconds: int) -> str:
        return (
            f"{book} spread back to {describe(value)} (<= {self.clear_level}%) "
            f"after {seconds}s [{self.name}]"
        )

    def to_dict(self) -> dict[str, Any]:
        """TOML-ready mapping (optional fields left out when unset)."""
        data: dict[str, Any] = {"name": self.name, "book": self.book, "above": self.above}
        if self.for_seconds:
            data["for_seconds"] = self.for_seconds
        if self.clear_below is not None:
            data["clear_below"] = self.clear_below
        data["severity"] = self.severity
        return data


def _validate(rule: Rule) -> None:
    where = f"rule {rule.name!r}"
    if not isinstance(rule.name, str) or not _NAME.fullmatch(rule.name):
        raise ConfigError(
            f"bad rule name {rule.name!r}: use 1-64 letters, digits, '_', '.', '-'", rule=rule.name
        )
    if rule.book != ALL_BOOKS:
        try:
            check_book(rule.book)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{where}: book must be '*' or a book id like btc_mxn", rule=rule.name
            ) from exc
    if not isinstance(rule.above, Decimal) or not rule.above.is_finite() or rule.above < 0:
        raise ConfigError(f"{where}: above must be a percentage >= 0", rule=rule.name)
    if isinstance(rule.for_seconds, bool) or not isinstance(rule.for_seconds, int):
        raise ConfigError(f"{where}: for_seconds must be a whole number", rule=rule.name)
    if rule.for_seconds < 0:
        raise ConfigError(f"{where}: for_seconds must be >= 0", rule=rule.name)
    if rule.clear_below is not None:
        clear = rule.clear_below
        if not isinstance(clear, Decimal) or not clear.is_finite() or clear < 0:
            raise ConfigError(f"{where}: clear_below must be a percentage >= 0", rule=rule.name)
        if clear > rule.above:
            raise ConfigError(
                f"{where}: clear_below ({clear}) must be <= above ({rule.above})", rule=rule.name
            )
    if rule.severity not in SEVERITIES:
        raise ConfigError(
            f"{where}: severity must be one of {', '.join(SEVERITIES)}", rule=rule.name
        )


@dataclass(frozen=True, slots=True)
class MetricRule:
    """Alert when a depth metric stays ``above`` (or ``below``) a level for ``for_seconds``.

    Exactly one of ``above``/``below``. Hysteresis: an ``above`` alert resolves at or below
    ``clear_below``, a ``below`` alert at or above ``clear_above`` (the level itself when unset).
    Seconds where the metric is null (no book; a size the book cannot fill) neither start nor
    resolve an alert, as ``missing`` rows do for spread rules.
    """

    name: str
    book: str
    metric: str
    above: Decimal | None = None
    below: Decimal | None = None
    for_seconds: int = 0
    clear_below: Decimal | None = None
    clear_above: Decimal | None = None
    severity: str = "warning"

    def __post_init__(self) -> None:
        _validate_metric(self)

    def applies_to(self, book: str) -> bool:
        return self.book in (ALL_BOOKS, book)

    @property
    def threshold(self) -> Decimal:
        level = self.above if self.above is not None else self.below
        assert level is not None
        return level

    @property
    def clear_level(self) -> Decimal:
        clear = self.clear_below if self.above is not None else self.clear_above
        return self.threshold if clear is None else clear

    def breached(self, value: Decimal) -> bool:
        return value > self.threshold if self.above is not None else value < self.threshold

    def cleared(self, value: Decimal) -> bool:
        if self.above is not None:
            return value <= self.clear_level
        return value >= self.clear_level

    def _way(self) -> str:
        return "above" if self.above is not None else "below"

    def firing_text(self, book: str, value: Decimal, held: str) -> str:
        shown = _plain(value)
        return f"{book} {self.metric} {shown} {self._way()} {self.threshold}{held} [{self.name}]"

    def resolved_text(self, book: str, value: Decimal, seconds: int) -> str:
        back = "<=" if self.above is not None else ">="
        return (
            f"{book} {self.metric} back to {_plain(value)} ({back} {self.clear_level}) "
            f"after {seconds}s [{self.name}]"
        )

    def to_dict(self) -> dict[str, Any]:
        """TOML-ready mapping (optional fields left out when unset)."""
        data: dict[str, Any] = {"name": self.name, "book": self.book, "metric": self.metric}
        for key in ("above", "below"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.for_seconds:
            data["for_seconds"] = self.for_seconds
        for key in ("clear_below", "clear_above"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data["severity"] = self.severity
        return data


AnyRule = Rule | MetricRule


def _plain(value: Decimal) -> str:
    """A metric for humans: at most 6 decimals, no exponent."""
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


R = TypeVar("R", Rule, MetricRule, AnyRule)


def _validate_metric(rule: MetricRule) -> None:
    where = f"rule {rule.name!r}"
    if not isinstance(rule.metric, str) or not _METRIC.fullmatch(rule.metric):
        raise ConfigError(f"{where}: metric must be a column name like depth_1pct_ask_base")
    if (rule.above is None) == (rule.below is None):
        raise ConfigError(f"{where}: give exactly one of above or below", rule=rule.name)
    for key in ("above", "below", "clear_below", "clear_above"):
        value = getattr(rule, key)
        if value is not None and (not isinstance(value, Decimal) or not value.is_finite()):
            raise ConfigError(f"{where}: {key} must be a number", rule=rule.name)
    if rule.above is not None and rule.clear_above is not None:
        raise ConfigError(f"{where}: an 'above' rule clears with clear_below", rule=rule.name)
    if rule.below is not None and rule.clear_below is not None:
        raise ConfigError(f"{where}: a 'below' rule clears with clear_above", rule=rule.name)
    if rule.above is not None and rule.clear_below is not None and rule.clear_below > rule.above:
        raise ConfigError(f"{where}: clear_below must be <= above", rule=rule.name)
    if rule.below is not None and rule.clear_above is not None and rule.clear_above < rule.below:
        raise ConfigError(f"{where}: clear_above must be >= below", rule=rule.name)
    # name, book, for_seconds and severity follow the spread rules' checks
    _validate(Rule(rule.name, rule.book, Decimal(0), rule.for_seconds, None, rule.severity))


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "spread-0.1", "usd_mxn", Decimal("0.1"), for_seconds=60, clear_below=Decimal("0.08"),
        severity="info",
    ),
    Rule(
        "spread-0.5", ALL_BOOKS, Decimal("0.5"), for_seconds=10, clear_below=Decimal("0.4"),
        severity="warning",
    ),
    Rule(
        "spread-1.0", ALL_BOOKS, Decimal("1.0"), for_seconds=10, clear_below=Decimal("0.8"),
        severity="critical",
    ),
)  # fmt: skip
"""The brief's three levels, tuned on measured Bitso spreads (README, "Alerts"; the test
``tests/alerts/test_defaults.py`` recomputes the figures). btc_mxn's median spread is about
0.17 %, so a 0.1 % rule would hold all day long: the 0.1 % level watches usd_mxn only (median
0.04-0.07 %). Each rule must hold 10 s (60 s at 0.1 %) before firing, so a one-tick blip is no
alert, and clears 20-25 % below its level, so a spread hovering at the threshold fires once."""


def to_decimal(value: object, field: str, name: str = "?") -> Decimal:
    """A percentage from TOML (float parsed as Decimal, int, or string) or the CLI."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise ConfigError(f"rule {name!r}: {field} must be a number", rule=name)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ConfigError(f"rule {name!r}: {field} must be a number, got {value!r}") from exc
    return number


def rule_from_mapping(data: Mapping[str, Any], index: int = 0) -> AnyRule:
    """One ``[[rule]]`` table as a validated ``Rule`` (spread) or ``MetricRule``."""
    name = data.get("name")
    label = name if isinstance(name, str) else f"#{index + 1}"
    if data.get("metric", SPREAD) != SPREAD:
        return _metric_rule(data, label)
    data = {k: v for k, v in data.items() if k != "metric"}
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(f"rule {label!r}: unknown key(s) {', '.join(unknown)}", rule=label)
    for key in ("name", "above"):
        if key not in data:
            raise ConfigError(f"rule {label!r}: missing required key {key!r}", rule=label)
    clear = data.get("clear_below")
    return Rule(
        name=data["name"],
        book=data.get("book", ALL_BOOKS),
        above=to_decimal(data["above"], "above", label),
        for_seconds=data.get("for_seconds", 0),
        clear_below=None if clear is None else to_decimal(clear, "clear_below", label),
        severity=data.get("severity", "warning"),
    )


def _metric_rule(data: Mapping[str, Any], label: str) -> MetricRule:
    unknown = sorted(set(data) - _METRIC_KEYS)
    if unknown:
        raise ConfigError(f"rule {label!r}: unknown key(s) {', '.join(unknown)}", rule=label)
    if "name" not in data:
        raise ConfigError(f"rule {label!r}: missing required key 'name'", rule=label)

    def number(key: str) -> Decimal | None:
        value = data.get(key)
        return None if value is None else to_decimal(value, key, label)

    return MetricRule(
        name=data["name"],
        book=data.get("book", ALL_BOOKS),
        metric=data["metric"],
        above=number("above"),
        below=number("below"),
        for_seconds=data.get("for_seconds", 0),
        clear_below=number("clear_below"),
        clear_above=number("clear_above"),
        severity=data.get("severity", "warning"),
    )


def check_unique(rules: Sequence[R]) -> tuple[R, ...]:
    """Rule names identify alerts, so they must be unique."""
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ConfigError(f"duplicate rule name {rule.name!r}", rule=rule.name)
        seen.add(rule.name)
    return tuple(rules)


def parse_rules(text: str, path: Path | str | None = None) -> tuple[AnyRule, ...]:
    """Rules from TOML text; every problem is a ``ConfigError`` naming the file and rule."""
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
        unknown = sorted(set(doc) - {"rule"})
        if unknown:
            raise ConfigError(f"unknown top-level key(s) {', '.join(unknown)}; expected [[rule]]")
        tables = doc.get("rule", [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise ConfigError("'rule' must be an array of tables ([[rule]])")
        parsed: list[AnyRule] = [rule_from_mapping(t, i) for i, t in enumerate(tables)]
        return check_unique(parsed)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file is not valid TOML: {exc}", path=str(path)) from exc
    except ConfigError as exc:
        if path is None or "path" in exc.context:
            raise
        raise ConfigError(exc.message, path=str(path), **exc.context) from exc


def dumps_rules(rules: Sequence[AnyRule]) -> str:
    """TOML text with one ``[[rule]]`` table per rule (parse_rules' inverse)."""
    check_unique(rules)
    header = "# bitsodata spread alert rules (percent of the ask); edit freely, reloaded live.\n"
    return header + "".join(f"\n[[rule]]\n{tomli_w.dumps(r.to_dict())}" for r in rules)


def load_rules(path: Path) -> tuple[AnyRule, ...]:
    """Rules of a TOML file."""
    return parse_rules(_decode(_read_rules_file(path), path), path)


def _read_rules_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError("rules file not found", path=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read rules file: {exc}", path=str(path)) from exc


def save_rules(path: Path, rules: Sequence[AnyRule]) -> None:
    """Write the rules atomically (temp file + rename), so a live reader never sees half a file."""
    write_atomic(path, dumps_rules(rules).encode("utf-8"))


class RulesFile:
    """The rules in force, re-read when the file changes (mtime/size, then content hash).

    ``path=None`` means the default rules. A missing or broken file at start is an error; later,
    a broken or vanished file keeps the previous rules and logs an error once per bad version.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stat: tuple[int, int] | None = self._stat_now()
        self._rules: tuple[AnyRule, ...] = DEFAULT_RULES
        self._digest: str | None = None
        if path is not None:
            data = _read_rules_file(path)
            self._rules = parse_rules(_decode(data, path), path)
            self._digest = _digest(data)
        self._bad: str | None = None

    def current(self) -> tuple[AnyRule, ...]:
        """The rules in force."""
        return self._rules

    def reload_if_changed(self) -> tuple[AnyRule, ...] | None:
        """The new rules when the file changed and parses; None otherwise."""
        if self.path is None:
            return None
        stat = self._stat_now()
        if stat == self._stat:
            return None
        self._stat = stat
        data = self._read()  # hash and parse the same bytes: an edit in between cannot split them
        if data is None:
            self._report("rules_file_missing", "rules file vanished; keeping the previous rules")
            return None
        digest = _digest(data)
        if digest in (self._digest, self._bad):
            return None
        try:
            rules = parse_rules(_decode(data, self.path), self.path)
        except ConfigError as exc:
            self._bad = digest
            self._report("rules_file_invalid", f"{exc}; keeping the previous rules")
            return None
        self._digest, self._bad, self._rules = digest, None, rules
        event(log, "rules_reloaded", path=str(self.path), rules=len(rules))
        return rules

    def _report(self, name: str, message: str) -> None:
        event(log, name, logging.ERROR, path=str(self.path), error=message)

    def _stat_now(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _read(self) -> bytes | None:
        if self.path is None:
            return None
        try:
            return self.path.read_bytes()
        except OSError:
            return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read rules file: {exc}", path=str(path)) from exc
