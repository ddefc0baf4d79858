"""``bitsodata alerts``: edit, check and replay spread alert rules (a thin shell)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bitsodata.cli import guards
from bitsodata.cli.lazy import sub_app
from bitsodata.cli.state import STATE
from bitsodata.cli.times import TIME_HELP, parse_time
from bitsodata.errors import ConfigError

if TYPE_CHECKING:  # the rule engine loads when a command runs, so --help stays fast
    from bitsodata.alerts.events import AlertEvent
    from bitsodata.alerts.rules import AnyRule

ALL_BOOKS = "*"
"""``bitsodata.alerts.rules.ALL_BOOKS`` (a test keeps them equal)."""
SEVERITIES = ("info", "warning", "critical")
"""``bitsodata.alerts.rules.SEVERITIES`` (a test keeps them equal)."""

app = sub_app("alerts")

FileOption = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="TOML rules file (default: the alerts.rules_file setting)."),
]
BookOption = Annotated[
    str | None, typer.Option("--book", "-b", help="Only this book, e.g. btc_mxn (default: all).")
]


def _rules_path(file: Path | None, *, required: bool) -> Path | None:
    path = file or STATE.settings().alerts.rules_file
    if path is None and required:
        raise ConfigError("no rules file: pass --file or set alerts.rules_file in the settings")
    return path


def _book(book: str | None) -> str | None:
    from bitsodata.lake.layout import check_book

    if book is None:
        return None
    try:
        return check_book(book)
    except ValueError:
        raise ConfigError(f"not a book id: {book!r} (expected e.g. btc_mxn)") from None


def _percent(text: str, option: str) -> Decimal:
    """A finite number of percent; ``nan``, ``inf`` and words are refused."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("nan")
    if not value.is_finite():
        raise ConfigError(f"{option} must be a number in percent, e.g. 0.62 (got {text!r})")
    return value


def format_rules(rules: Sequence[AnyRule]) -> str:
    """One aligned line per rule (metric rules name their metric and direction)."""
    if not rules:
        return "(no rules: no spread alerts)"
    head = ("NAME", "BOOK", "ABOVE %", "FOR S", "CLEAR %", "SEVERITY")
    rows = [head] + [
        (r.name, r.book, _level(r), str(r.for_seconds), str(r.clear_level), r.severity)
        for r in rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _level(rule: AnyRule) -> str:
    from bitsodata.alerts.rules import Rule

    if isinstance(rule, Rule):
        return str(rule.above)
    way = "above" if rule.above is not None else "below"
    return f"{rule.metric} {way} {rule.threshold}"


def format_event(event: AlertEvent) -> str:
    """One line per alert transition."""
    at = event.to_dict()["at"]
    return f"{at}  {event.state:<8} {event.severity:<8} {event.rule} {event.book}: {event.message}"


@app.command("list")
def list_rules(file: FileOption = None) -> None:
    """Show the rules in force (the defaults when no rules file is set)."""
    from bitsodata.alerts.rules import RulesFile

    path = _rules_path(file, required=False)
    rules = RulesFile(path).current()
    typer.echo(f"# {path if path is not None else 'default rules (no rules file)'}")
    typer.echo(format_rules(rules))


@app.command("add")
def add(
    name: Annotated[str, typer.Option("--name", "-n", help="Unique rule name, e.g. btc-wide.")],
    above: Annotated[str, typer.Option("--above", help="Fire when the spread (%) is above this.")],
    file: FileOption = None,
    book: Annotated[
        str, typer.Option("--book", "-b", help="Book id, or '*' for every book.")
    ] = ALL_BOOKS,
    for_seconds: Annotated[
        int, typer.Option("--for-seconds", help="Only after it held this many seconds.", min=0)
    ] = 0,
    clear_below: Annotated[
        str | None,
        typer.Option("--clear-below", help="Resolve only at or below this % (default: --above)."),
    ] = None,
    severity: Annotated[
        str, typer.Option("--severity", help=f"One of {', '.join(SEVERITIES)}.")
    ] = "warning",
) -> None:
    """Add a rule to the rules file (a new file starts from the default rules)."""
    from bitsodata.alerts.rules import DEFAULT_RULES, load_rules, rule_from_mapping, save_rules

    path = _rules_path(file, required=True)
    assert path is not None
    guards.writable_file(path, "the rules file")
    rules = load_rules(path) if path.exists() else DEFAULT_RULES
    if any(r.name == name for r in rules):
        raise ConfigError(f"rule {name!r} already exists; remove it first", path=str(path))
    fields: dict[str, Any] = {"name": name, "book": book, "above": _percent(above, "--above")}
    fields.update(for_seconds=for_seconds, severity=severity)
    if clear_below is not None:
        fields["clear_below"] = _percent(clear_below, "--clear-below")
    rule = rule_from_mapping(fields)
    if not path.exists():
        typer.echo(f"creating {path} with the default rules")
    save_rules(path, [*rules, rule])
    typer.echo(f"added {rule.name}: {rule.book} above {rule.above}% ({rule.severity})")


@app.command("remove")
def remove(
    name: Annotated[str, typer.Option("--name", "-n", help="Name of the rule to remove.")],
    file: FileOption = None,
) -> None:
    """Remove a rule from the rules file."""
    from bitsodata.alerts.rules import load_rules, save_rules

    path = _rules_path(file, required=True)
    assert path is not None
    rules = load_rules(path)
    kept = [r for r in rules if r.name != name]
    if len(kept) == len(rules):
        known = ", ".join(r.name for r in rules) or "none"
        raise ConfigError(f"no rule named {name!r} (rules: {known})", path=str(path))
    save_rules(path, kept)
    typer.echo(f"removed {name}; {len(kept)} rule(s) left")


@app.command("test")
def test(
    spread: Annotated[str, typer.Option("--spread", help="A spread in percent, e.g. 0.62.")],
    file: FileOption = None,
    book: BookOption = None,
) -> None:
    """Show which rules a spread would fire."""
    from bitsodata.alerts.rules import Rule, RulesFile

    value = _percent(spread, "--spread")
    rules = RulesFile(_rules_path(file, required=False)).current()
    chosen = _book(book)
    for rule in rules:
        if not isinstance(rule, Rule) or (chosen is not None and not rule.applies_to(chosen)):
            continue
        if value > rule.above:
            wait = f" once held {rule.for_seconds}s" if rule.for_seconds else ""
            verdict = f"FIRES{wait}"
        else:
            verdict = "quiet"
        typer.echo(f"{verdict:<20} {rule.name} ({rule.book} above {rule.above}%, {rule.severity})")


@app.command("replay")
def replay(
    start: Annotated[str, typer.Option("--from", help="Start, inclusive: " + TIME_HELP)],
    end: Annotated[str, typer.Option("--to", help="End, exclusive: " + TIME_HELP)],
    lake: Annotated[
        str | None, typer.Option("--lake", help="Lake path or s3:// URL (default: settings).")
    ] = None,
    file: FileOption = None,
    book: BookOption = None,
) -> None:
    """Re-run the rules over stored observations and print what they would have sent."""
    from bitsodata.alerts.replay import replay_lake
    from bitsodata.alerts.rules import RulesFile

    first, last = parse_time(start, "--from"), parse_time(end, "--to")
    if last <= first:
        raise ConfigError("--to must be after --from")
    chosen = _book(book)
    settings = STATE.settings(**({"lake": {"url": lake}} if lake else {}))
    guards.readable_lake(settings.lake.url)
    rules = RulesFile(file or settings.alerts.rules_file).current()
    report = replay_lake(settings.lake, rules, first, last, chosen)
    for event in report.events:
        typer.echo(format_event(event))
    statuses = ", ".join(f"{k}={v}" for k, v in sorted(report.by_status.items())) or "none"
    typer.echo(
        f"{report.observations} observations ({statuses}); {len(report.events)} alert events"
    )
    for (rule, bk), seconds in sorted(report.firing_seconds().items()):
        typer.echo(f"  {rule} {bk}: firing {seconds}s")
    for event in report.still_firing:
        typer.echo(
            f"  still firing at the end: {event.rule} {event.book} since {event.to_dict()['since']}"
        )
