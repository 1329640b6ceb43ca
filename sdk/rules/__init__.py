"""The rule engine: ``check(document) -> Report``.

A rule is one small function registered with :func:`rule`. It receives the
document and a :class:`Context` (the document's date, the dated parameters,
the CPAS's local policy and, optionally, today's date) and yields one
:class:`Hit` per problem. The engine turns hits into
:class:`~cpas.sdk.findings.Finding` objects with the rule's code, severity,
message (placeholders filled per language) and legal references.

Adding a rule::

    @rule("PIIS-REFL-001", document=Piis, severity=Severity.ERROR,
          legal=LegalRef("Loi DIS art. 11 §1"), valid_from=date(2016, 11, 1),
          message=Text(fr="… {days} jours …", nl="… {days} dagen …", en="… {days} days …"))
    def reflection_period(doc: Piis, ctx: Context) -> Iterator[Hit]:
        ...

Rules apply by the document's own date (:meth:`rules_date`): a rule with a
validity interval is skipped for documents outside it, and parameters are
looked up at that date, so a 2015 PIIS is checked against the 2015 law.
Rule modules in this package are discovered on first use; a vendor may
register extra rules from its own module the same way.
"""

from __future__ import annotations

import bisect
import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar, cast

import attrs

from ..errors import NoRuleInForce
from ..findings import Finding, LegalRef, Report, Severity
from ..parameters import Parameters
from ..policy import LocalPolicy
from ..text import Text

__all__ = [
    "Context",
    "Dated",
    "Hit",
    "RuleInfo",
    "all_rules",
    "check",
    "rule",
    "rules_for",
]


class Dated(Protocol):
    """A document checked by rules: it says which date's law applies to it."""

    def rules_date(self) -> dt.date: ...


D = TypeVar("D")
R = TypeVar("R")


@attrs.frozen
class Context:
    """What a rule may use besides the document itself."""

    on: dt.date
    """The document's date: rules and parameters in force that day apply."""
    parameters: Parameters
    policy: LocalPolicy
    today: dt.date | None = None
    """Today's date, for deadline checks against the clock; ``None`` skips them."""
    _derived: dict[object, tuple[object, object]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False)
    """``derived()`` results: function -> (document, value)."""

    def derived(self, func: Callable[[D, Parameters], R], document: D) -> R:
        """``func(document, self.parameters)``, computed once for the rules of one check.

        Several rules need the same figures of a document (e.g. its eligible
        expenses); the first computes them, the others reuse them. A context lives
        for one :func:`check` call; the value is kept with the document it was
        computed for, and another document (even an equal one) computes afresh.
        """
        found = self._derived.get(func)
        if found is not None and found[0] is document:
            return cast(R, found[1])
        value = func(document, self.parameters)
        self._derived[func] = (document, value)
        return value


@attrs.frozen
class Hit:
    """One problem found by a rule: where, and the values for its message."""

    path: str = "$"
    values: Mapping[str, object] = attrs.field(factory=dict)
    severity: Severity | None = None
    """Overrides the rule's severity for this hit (rarely needed)."""


RuleFunc = Callable[[Any, Context], Iterable[Hit]]
RuleFn = Callable[[D, Context], Iterable[Hit]]


@attrs.frozen
class RuleInfo:
    code: str
    document: type
    severity: Severity
    message: Text
    legal: tuple[LegalRef, ...]
    func: RuleFunc = attrs.field(eq=False, repr=False)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    doc: str = ""

    def applies_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)

    def finding(self, hit: Hit) -> Finding:
        return Finding(
            code=self.code,
            severity=hit.severity or self.severity,
            path=hit.path,
            message=self.message.format(**hit.values),
            legal=self.legal,
        )


_RULES: dict[str, RuleInfo] = {}
_loaded = False


def rule(
    code: str,
    *,
    document: type[D],
    severity: Severity,
    message: Text,
    legal: LegalRef | tuple[LegalRef, ...],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Callable[[RuleFn[D]], RuleFn[D]]:
    """Register a rule function under a stable ``code``."""

    def register(func: RuleFn[D]) -> RuleFn[D]:
        if code in _RULES and _RULES[code].func is not func:
            raise ValueError(f"rule code {code} is registered twice")
        _RULES[code] = RuleInfo(
            code=code, document=document, severity=severity, message=message,
            legal=legal if isinstance(legal, tuple) else (legal,), func=func,
            valid_from=valid_from, valid_until=valid_until,
            doc=(func.__doc__ or "").strip(),
        )
        _forget()
        return func

    return register


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules(__path__, __name__ + "."):
        importlib.import_module(info.name)
    _loaded = True


_sorted: list[tuple[RuleInfo, ...]] = []
"""``all_rules()`` once computed (empty: to compute again)."""
_by_kind: dict[type, tuple[RuleInfo, ...]] = {}
"""``rules_for(kind)`` once computed: checking a document costs no rule lookup."""


_Plan = tuple[tuple[dt.date, ...], tuple[tuple[tuple[RuleFunc, RuleInfo], ...], ...]]
_plans: dict[type, _Plan] = {}
"""What :func:`check` runs, per kind of document: the days on which a rule comes into or
goes out of force, and between two such days the rules in force, with their functions
(so a check looks its rules up by one bisection instead of testing every date)."""


def _forget() -> None:
    """A rule was registered: the lists above are computed again when next asked for."""
    _sorted.clear()
    _by_kind.clear()
    _plans.clear()


def all_rules() -> tuple[RuleInfo, ...]:
    """Every registered rule, sorted by code."""
    _load()
    if not _sorted:
        _sorted.append(tuple(sorted(_RULES.values(), key=lambda r: r.code)))
    return _sorted[0]


def rules_for(kind: type) -> tuple[RuleInfo, ...]:
    """The rules that apply to documents of ``kind`` (and its base classes)."""
    found = _by_kind.get(kind)
    if found is None:
        found = _by_kind[kind] = tuple(r for r in all_rules() if issubclass(kind, r.document))
    return found


def _rules_in_force(kind: type, on: dt.date) -> tuple[tuple[RuleFunc, RuleInfo], ...]:
    """``(func, info)`` of the rules of ``kind`` in force ``on`` (RuleInfo.applies_on)."""
    plan = _plans.get(kind)
    if plan is None:
        plan = _plans[kind] = _plan(rules_for(kind))
    changes, in_force = plan
    return in_force[bisect.bisect_right(changes, on)]


def _plan(rules: tuple[RuleInfo, ...]) -> _Plan:
    changes: set[dt.date] = set()
    for r in rules:
        if r.valid_from is not None:
            changes.add(r.valid_from)
        if r.valid_until is not None and r.valid_until < dt.date.max:
            changes.add(r.valid_until + dt.timedelta(days=1))
    days = tuple(sorted(changes))
    # Before the first change only the rules without a start are in force; from each
    # change to the next, the rules in force on the day of the change.
    in_force = [tuple((r.func, r) for r in rules if r.valid_from is None)]
    in_force += [tuple((r.func, r) for r in rules if r.applies_on(day)) for day in days]
    return days, tuple(in_force)


_policies: list[LocalPolicy] = []


def _default_policy() -> LocalPolicy:
    """``LocalPolicy()``, built once (it is frozen)."""
    if not _policies:
        _policies.append(LocalPolicy())
    return _policies[0]


_NO_PARAMETER = Text(
    fr="Règle {code} non vérifiée : aucune valeur de « {key} » en vigueur le {on}.",
    nl="Regel {code} niet gecontroleerd: geen waarde van ‘{key}’ van kracht op {on}.",
    en="Rule {code} not checked: no value of '{key}' in force on {on}.",
)


def check(
    document: Dated,
    *,
    today: dt.date | None = None,
    policy: LocalPolicy | None = None,
    parameters: Parameters | None = None,
) -> Report:
    """Run every rule in force at the document's date and report all findings.

    Never raises for a document that breaks rules: legacy data is loaded and
    reported on. ``today`` enables deadline checks against the clock.
    """
    on = document.rules_date()
    ctx = Context(
        on=on,
        parameters=parameters or Parameters.default(),
        policy=policy or _default_policy(),
        today=today,
    )
    findings: list[Finding] = []
    for func, info in _rules_in_force(type(document), on):
        try:
            hits = list(func(document, ctx))
        except NoRuleInForce as exc:
            findings.append(Finding(
                code="CPAS-PARAM-001", severity=Severity.WARNING, path="$",
                message=_NO_PARAMETER.format(code=info.code, key=exc.key, on=exc.on),
                legal=info.legal))
            continue
        if hits:
            findings.extend([info.finding(hit) for hit in hits])
    return Report(tuple(findings))
