"""Rule checks for reimbursement forms sent by a CPAS to SPP IS.

Legal basis: loi du 26 mai 2002 (loi DIS) art. 14, 32, 43/2; loi du 2 avril 1965
art. 9–12; the NOVA PRIMA instructions of SPP IS (primabook: forms B, C, D of the
loi DIS; A, B1, B2, C, D1, D2, F of the loi 65; PIIS codes on form B). Sources:
domain.md, "Reimbursement by SPP IS: rates, forms, deadlines", "Revenu
d'intégration: categories and amounts" and "PIIS" (codes on form B).

A monthly national batch counts 150 000–200 000 lines, too many to hold as
objects when a batch is read from a file. So every rule that looks at the lines
is a :class:`LineRule`: it is fed one line at a time (:meth:`LineRule.line`)
and may add hits once the whole form is known (:meth:`LineRule.end`). The same
objects run in two ways, with the same findings in the same order:

* ``check(form)``: the engine calls each rule on a form held in memory;
* :class:`StreamingCheck`: a reader (``cpas.adapters.xml.checking``) feeds the
  lines of a batch as it parses them and releases each one; at the end it hands
  over the form's header and trailer.

Memory stays small and flat: dated parameters are looked up once per month,
per-line rules keep nothing, and each cross-line rule (duplicates, PIIS
subsidy claimed twice) remembers the lines it saw in one table sized when the
form starts (a blocked Bloom filter, :class:`MaybeSeen`: 128 bits per expected
line, never more than 16 MiB, the size reached from about 130 000 lines), which
can only err on the side of "perhaps seen". When it says "perhaps", the rule
keeps that line's key; at the end it
reads the lines once more (in memory, or from the file) to settle those few
keys exactly, so no duplicate is missed and none is invented. Exact answers in
one pass would need every key in memory (about 250 bytes per line as Python
objects). Cost statements (loi 65 D1, D2) also keep four bytes per line until
the submission date, which follows the lines in the file, is known.

Whether a correction has an original (or a new form should have been a
correction) depends on the forms sent before; :func:`check_corrections` checks
that against an explicit history.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import ClassVar, TypeVar

import attrs

from ..documents.reimbursement import (
    FormHeader,
    FormType,
    Law,
    LegalBasis,
    ReimbursementForm,
    ReimbursementLine,
    file_number_key,
)
from ..errors import NoRuleInForce
from ..findings import LegalRef, Report, Severity
from ..money import Money
from ..parameters import Parameters
from ..periods import Period, add_days, add_months
from ..policy import LocalPolicy
from ..text import Text
from . import Context, Hit, check, rule, rules_for

__all__ = [
    "CorrectionCheck",
    "FormStart",
    "LineRule",
    "Lines",
    "MaybeSeen",
    "StreamingCheck",
    "check_corrections",
    "line_rule",
]

_PRIMABOOK_65 = "https://primabook.mi-is.be/fr/loi-65"
_FORMS_DIS = LegalRef("Loi DIS 26/05/2002 art. 32; SPP IS, formulaires NOVA PRIMA B, C, D",
                      "https://primabook.mi-is.be/fr/form/formulaire-b")
_FORMS_65 = LegalRef("Loi 02/04/1965 art. 9–11; SPP IS, formulaires loi 65 A, B1, B2, C, D1, "
                     "D2, F", _PRIMABOOK_65)
_HEADER = LegalRef("SPP IS, en-tête des formulaires (code statut 1 = correction)", _PRIMABOOK_65)
_B1_DEADLINE = LegalRef("Loi 02/04/1965 art. 9–10 : formulaire B1 dans les 45 jours",
                        _PRIMABOOK_65)
_COST_DEADLINE = LegalRef("Loi 02/04/1965 art. 12 : états de frais dans les 12 mois suivant "
                          "le trimestre, sous peine de forclusion", _PRIMABOOK_65)
_PIIS_CODES = LegalRef(
    "SPP IS, encodage de la subvention du PIIS (formulaires B RIS)",
    "https://primabook.mi-is.be/fr/procedure-de-remboursements/loi-dis/"
    "encodage-de-la-subvention-du-piis-les-formulaires-b-ris")
_PIIS_SUBSIDY = LegalRef("Loi DIS art. 43/2 (loi du 21/07/2016) : subvention spéciale PIIS",
                         "https://primabook.mi-is.be/fr/node/24")
_AMOUNTS = LegalRef("Loi DIS art. 14 §1 : montants du revenu d'intégration (indexés)")

_WITH_DECISION_DATE = (FormType.DIS_C, FormType.LOI65_B1, FormType.LOI65_B2)
_FILE_CHARS = re.compile(r"[A-Za-z0-9]+")
_FILE_SEPARATORS = re.compile(r"[\s./\-_]")
_RECOVERY_CODE = re.compile(r"\d{2}")

T = TypeVar("T")
L = TypeVar("L", bound="LineRule")


def _per_month(compute: Callable[[dt.date], T]) -> Callable[[Period], T]:
    """Memoise a per-month parameter lookup for one rule run (linear checks)."""
    cache: dict[Period, T] = {}

    def lookup(period: Period) -> T:
        if period not in cache:
            cache[period] = compute(period.first_day())
        return cache[period]

    return lookup


def _last_month(lookup: Callable[[Period], T]) -> Callable[[Period], T]:
    """``lookup`` answering at once when asked about the same month object again (the
    lines of a batch share their months: no hashing then)."""
    last: list[tuple[Period, T]] = []

    def again(period: Period) -> T:
        if last and last[0][0] is period:
            return last[0][1]
        found = lookup(period)
        last[:] = [(period, found)]
        return found

    return again


def _codes(value: str) -> frozenset[int]:
    return frozenset(int(part) for part in value.split(",") if part.strip())


def _code_set(ctx: Context, key: str) -> Callable[[Period], frozenset[int] | None]:
    """Per month: the set of codes of text parameter ``key``, ``None`` when not in force."""
    p = ctx.parameters

    def compute(day: dt.date) -> frozenset[int] | None:
        return _codes(p.text(key, day)) if p.in_force(key, day) else None

    return _per_month(compute)


def _form_b_codes(ctx: Context) -> Callable[[Period], frozenset[int] | None]:
    """Per month: the form-B PIIS codes in force (table ``piis.form_b_code.<code>``),
    ``None`` when none is."""
    p = ctx.parameters
    prefix = "piis.form_b_code."
    keys: list[tuple[int, str]] = []  # listed at the first month asked about (often none)

    def compute(day: dt.date) -> frozenset[int] | None:
        if not keys:
            known = p.keys()  # Parameters is not a mapping: keys() is its listing
            keys.extend((int(key[len(prefix):]), key) for key in known
                        if key.startswith(prefix) and key[len(prefix):].isdigit())
        return frozenset(code for code, key in keys if p.in_force(key, day)) or None

    return _per_month(compute)


# --- Rules fed line by line -------------------------------------------------------------------


@attrs.frozen
class FormStart:
    """What a line rule knows of a form before its first line: the part that precedes
    the lines in the XML."""

    form_type: FormType
    header: FormHeader
    expected_lines: int = 0
    """How many lines to expect at most (an estimate is fine): sizes :class:`MaybeSeen`."""

    @property
    def law(self) -> Law:
        return self.form_type.law


Lines = Callable[[], Iterable[ReimbursementLine]]
"""Reads the form's lines once more, in order (called at most once per rule, rarely)."""


class LineRule:
    """A rule over the lines of one form, fed one line at a time.

    A subclass is registered with :func:`line_rule`. It is built once per form
    (``active`` False when the rule does not concern that kind of form), gets
    every line in order through :meth:`line`, which returns at most one hit
    (the line is released afterwards), then :meth:`end` once the whole form is
    known. A rule must not keep the lines themselves: only what it needs, and
    nothing that grows with their number unless its docstring says so.
    """

    def __init__(self, form: FormStart, ctx: Context) -> None:
        self.form = form
        self.ctx = ctx

    @property
    def active(self) -> bool:
        """False when the rule cannot find anything on this kind of form."""
        return True

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        """Check line ``index``; ``None`` when it is fine."""
        return None

    def end(self, form: ReimbursementForm, lines: Lines) -> Iterator[Hit]:
        """Hits that need the whole form: ``form`` has the header and trailer (its own
        ``lines`` may be empty); ``lines()`` reads the lines again if needed."""
        return iter(())


_LINE_RULES: dict[str, type[LineRule]] = {}


@attrs.frozen(kw_only=True)
class _StreamedForm(ReimbursementForm):
    """A form whose lines were checked as a stream: the line rules' outcomes ride along,
    so that the engine turns them into findings exactly as for a form in memory."""

    outcomes: dict[str, tuple[Hit, ...] | NoRuleInForce] = attrs.field(
        factory=dict, eq=False, repr=False)


def line_rule(
    code: str,
    *,
    severity: Severity,
    message: Text,
    legal: LegalRef | tuple[LegalRef, ...],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Callable[[type[L]], type[L]]:
    """Register a :class:`LineRule` subclass as the rule ``code`` on reimbursement forms.

    The engine gets a function that runs the rule over ``doc.lines``; the class's
    docstring is the rule's documentation.
    """

    def register(cls: type[L]) -> type[L]:
        def run(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
            if isinstance(doc, _StreamedForm):
                outcome = doc.outcomes.get(code, ())
                if isinstance(outcome, NoRuleInForce):
                    raise outcome
                yield from outcome
                return
            checker = cls(FormStart(doc.form_type, doc.header, len(doc.lines)), ctx)
            if not checker.active:
                return
            for index, one in enumerate(doc.lines):
                hit = checker.line(index, one)
                if hit is not None:
                    yield hit
            yield from checker.end(doc, lambda: doc.lines)

        run.__doc__ = cls.__doc__
        run.__name__ = run.__qualname__ = cls.__name__
        run.__module__ = cls.__module__
        rule(code, document=ReimbursementForm, severity=severity, message=message, legal=legal,
             valid_from=valid_from, valid_until=valid_until)(run)
        _LINE_RULES[code] = cls
        return cls

    return register


class MaybeSeen:
    """A set of keys that answers "new" or "perhaps seen" (a blocked Bloom filter).

    It never says "new" for a key added before; it may (rarely) say "perhaps
    seen" for a new one. Each key sets four bits in each of two 64-bit words
    of a fixed table, chosen by its hash: two array reads per key, no loop, so
    it costs about a microsecond in Python. The table has 16 words per
    expected key, rounded up to a power of two, **at most** :attr:`MAX_BYTES`
    (16 MiB, reached from about 130 000 expected keys): memory stops growing
    there, whatever the size of the file. At that size, one and two million
    distinct keys added one after the other got no "perhaps" at all when
    measured; past a few million keys "perhaps" becomes likelier, which costs
    time (the rules then read the lines again), never exactness. Keys
    are hashed with Python's ``hash``, which is only stable within one
    process: a filter is never stored.

    The first :attr:`EXACT_KEYS` keys (131 072) are kept as their hashes in a
    set, about seven times cheaper to query than the table: "perhaps" then only
    means an equal 64-bit hash (an equal key, or a collision too rare to
    measure). Past that number they move into the table, and the set is freed;
    the set never holds more than about 9 MiB.
    """

    MAX_BYTES: ClassVar[int] = 16 * 1024 * 1024
    EXACT_KEYS: ClassVar[int] = 1 << 17
    _WORDS_PER_KEY: ClassVar[int] = 16
    _MIN_WORDS: ClassVar[int] = 1024

    def __init__(self, expected: int) -> None:
        wanted = max(expected * self._WORDS_PER_KEY, self._MIN_WORDS)
        words = min(1 << (wanted - 1).bit_length(), self.MAX_BYTES // 8)
        self._mask = words - 1
        # The table is made when the exact keys move into it (most forms never get
        # there); a zeroed bytearray is mapped lazily: untouched pages cost no memory.
        self._words = _NO_WORDS
        self._exact: set[int] | None = set()

    def _probe(self, key: Hashable) -> tuple[int, int, int, int]:
        """Two word positions and the four bits to find in each."""
        return self._probe_hash(hash(key))

    def _probe_hash(self, hashed: int) -> tuple[int, int, int, int]:
        value = hashed & 0xFFFF_FFFF_FFFF_FFFF
        # The bits come from the top of a multiplicative hash, which depends on every
        # bit of the key's hash (its low bits would repeat the word's position).
        mixed = (value * 0x9E37_79B9_7F4A_7C15) & 0xFFFF_FFFF_FFFF_FFFF
        first = (1 << (mixed >> 16 & 63) | 1 << (mixed >> 22 & 63) | 1 << (mixed >> 28 & 63)
                 | 1 << (mixed >> 34 & 63))
        second = (1 << (mixed >> 40 & 63) | 1 << (mixed >> 46 & 63) | 1 << (mixed >> 52 & 63)
                  | 1 << (mixed >> 58))
        return value & self._mask, first, (value >> 32) & self._mask, second

    def add(self, key: Hashable) -> bool:
        """Add ``key``; True when it was perhaps added before."""
        exact = self._exact
        if exact is not None:
            hashed = hash(key)
            if hashed in exact:
                return True
            if len(exact) < self.EXACT_KEYS:
                exact.add(hashed)
                return False
            self._spill()
        return self._add_hash(hash(key))

    def _spill(self) -> None:
        """Move the exact hashes into the table (past :attr:`EXACT_KEYS` keys)."""
        exact, self._exact = self._exact, None
        self._words = memoryview(bytearray((self._mask + 1) * 8)).cast("Q")
        for hashed in exact or ():
            self._add_hash(hashed)

    def _add_hash(self, hashed: int) -> bool:
        one, first, two, second = self._probe_hash(hashed)
        words = self._words
        old_one, old_two = words[one], words[two]
        if old_one & first == first and old_two & second == second:
            return True
        words[one] = old_one | first
        words[two] = words[two] | second  # the same word when one == two
        return False

    def __contains__(self, key: Hashable) -> bool:
        if self._exact is not None:
            return hash(key) in self._exact
        one, first, two, second = self._probe(key)
        words = self._words
        return words[one] & first == first and words[two] & second == second

    @property
    def nbytes(self) -> int:
        """Memory the table takes once made (at most :attr:`MAX_BYTES`; it is made when
        more than :attr:`EXACT_KEYS` keys were added)."""
        return (self._mask + 1) * 8


# --- Legal bases and duplicates ------------------------------------------------------------


@line_rule("REIMB-LAW-001", severity=Severity.ERROR, legal=(_FORMS_DIS, _FORMS_65),
           message=Text(
               fr="La base légale « {basis} » ne peut pas figurer sur le {form}.",
               nl="De wettelijke basis ‘{basis}’ hoort niet thuis op het {form}.",
               en="The legal basis '{basis}' cannot appear on {form}."))
class BasisMatchesLaw(LineRule):
    """Lines of a loi DIS form carry loi DIS bases, lines of a loi 65 form loi 65 bases.

    Loi DIS art. 32 ff.; loi 02/04/1965; domain.md, "Reimbursement by SPP IS" (forms).
    """

    def __init__(self, form: FormStart, ctx: Context) -> None:
        super().__init__(form, ctx)
        law = form.law
        allowed = _BASES_OF.get(law)
        if allowed is None:
            allowed = _BASES_OF[law] = tuple(basis for basis in LegalBasis if law in basis.laws)
        self._allowed = allowed

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        if line.basis in self._allowed:  # members compare by identity: no hashing
            return None
        return Hit(f"$.lines[{index}].basis",
                   {"basis": line.basis.label, "form": self.form.form_type.label})


_NO_WORDS = memoryview(bytearray(8)).cast("Q")
"""The table of a :class:`MaybeSeen` until it is made (never written)."""

_BASES_OF: dict[Law, tuple[LegalBasis, ...]] = {}
"""The legal bases allowed on the forms of each law (a fixed table), once listed."""


def _duplicate_key(line: ReimbursementLine) -> tuple[object, ...]:
    """What makes two lines duplicates; equal keys, equal lines for this rule. Built of
    plain values (the basis's text, the month's numbers) that hash without Python code."""
    period = line.period
    return (line.niss.compact, line.basis.value, period.year, period.month, line.recovery_type,
            line.expense_date)


@line_rule("REIMB-DUP-001", severity=Severity.ERROR, legal=(_FORMS_DIS, _FORMS_65),
           message=Text(
               fr="Ligne en double : même bénéficiaire, même base légale et même mois que la "
                  "ligne {first}.",
               nl="Dubbele lijn: zelfde begunstigde, wettelijke basis en maand als lijn "
                  "{first}.",
               en="Duplicate line: same beneficiary, legal basis and month as line {first}."))
class NoDuplicateLines(LineRule):
    """A beneficiary is claimed once per legal basis and month.

    Lines that also differ by recovery type (recoveries) or expense date (several
    bills of one month) are not duplicates. Every key goes into a
    :class:`MaybeSeen` filter; the keys it has perhaps seen are settled at the
    end by reading the lines again (only when there are such keys), which also
    gives the first line of each duplicate. Linear in the number of lines.
    domain.md, "Reimbursement by SPP IS" (one claim per month).
    """

    def __init__(self, form: FormStart, ctx: Context) -> None:
        super().__init__(form, ctx)
        self._seen = MaybeSeen(form.expected_lines)
        self._again: set[tuple[object, ...]] = set()

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        key = _duplicate_key(line)
        if self._seen.add(key):
            self._again.add(key)
        return None

    def end(self, form: ReimbursementForm, lines: Lines) -> Iterator[Hit]:
        if not self._again:
            return
        first: dict[tuple[object, ...], int] = {}
        for index, line in enumerate(lines()):
            key = _duplicate_key(line)
            if key in self._again:
                earlier = first.setdefault(key, index)
                if earlier != index:
                    yield Hit(f"$.lines[{index}]", {"first": earlier})


# --- Header: file number, dates, corrections ---------------------------------------------------


@rule("REIMB-FILE-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=LegalRef("SPP IS, loi 65 : numéro de dossier CPAS", _PRIMABOOK_65),
      message=Text(
          fr="Le numéro de dossier CPAS doit compter au plus {max} lettres ou chiffres "
             "(séparateurs et zéros de tête non comptés).",
          nl="Het OCMW-dossiernummer telt hoogstens {max} letters of cijfers (scheidingstekens "
             "en voorloopnullen niet meegeteld).",
          en="The CPAS file number must have at most {max} letters or digits (separators and "
             "leading zeros not counted)."))
def file_number_format(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """The loi 65 CPAS file number has at most 11 letters or digits.

    Separators and leading zeros are ignored (parameter
    ``reimbursement.loi65.file_number_max_length``). domain.md, "Reimbursement by
    SPP IS" (header of every form).
    """
    number = doc.header.file_number
    if number is None:
        return
    limit = ctx.parameters.integer("reimbursement.loi65.file_number_max_length", ctx.on)
    compact = _FILE_SEPARATORS.sub("", number)
    if not _FILE_CHARS.fullmatch(compact) or len(file_number_key(number)) > limit:
        yield Hit("$.header.file_number", {"max": limit})


@rule("REIMB-FILE-002", document=ReimbursementForm, severity=Severity.ERROR,
      legal=LegalRef("SPP IS, loi 65 : numéro de dossier CPAS", _PRIMABOOK_65),
      message=Text(
          fr="Un formulaire loi 65 doit porter le numéro de dossier CPAS.",
          nl="Een formulier wet 65 moet het OCMW-dossiernummer vermelden.",
          en="A loi 65 form must carry the CPAS file number."))
def file_number_present(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Every loi 65 form carries the CPAS file number (a correction replaces the form of
    the same date and file). domain.md, "Reimbursement by SPP IS"."""
    if doc.law is Law.LOI65 and doc.header.file_number is None:
        yield Hit("$.header.file_number")


@rule("REIMB-DATE-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=(_FORMS_DIS, _FORMS_65),
      message=Text(
          fr="La date de la décision du conseil manque sur le {form}.",
          nl="De datum van de raadsbeslissing ontbreekt op het {form}.",
          en="The council decision date is missing on {form}."))
def decision_date_present(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """Decision forms carry the council's decision date: loi DIS C (refusal or
    withdrawal, with effective and council dates), loi 65 B1 and B2.
    domain.md, "Reimbursement by SPP IS" (forms)."""
    if doc.form_type in _WITH_DECISION_DATE and doc.header.decision_date is None:
        yield Hit("$.header.decision_date", {"form": doc.form_type.label})


@rule("REIMB-B1-001", document=ReimbursementForm, severity=Severity.ERROR,
      legal=_B1_DEADLINE,
      message=Text(
          fr="Le formulaire B1 est envoyé le {sent}, plus de {days} jours après la décision "
             "du {decision}.",
          nl="Formulier B1 is verzonden op {sent}, meer dan {days} dagen na de beslissing "
             "van {decision}.",
          en="Form B1 was sent on {sent}, more than {days} days after the decision of "
             "{decision}."))
def b1_within_deadline(doc: ReimbursementForm, ctx: Context) -> Iterator[Hit]:
    """A loi 65 form B1 is sent within 45 days of the decision granting aid.

    Parameter ``reimbursement.loi65.b1_deadline_days``; loi 02/04/1965 art. 9–10;
    domain.md, "Reimbursement by SPP IS" (forms, loi 65).
    """
    decision = doc.header.decision_date
    if doc.form_type is not FormType.LOI65_B1 or decision is None:
        return
    days = ctx.parameters.integer("reimbursement.loi65.b1_deadline_days", decision)
    if doc.submission_date > add_days(decision, days):
        yield Hit("$.submission_date",
                  {"sent": doc.submission_date, "days": days, "decision": decision})




# --- Loi 65 cost claims ------------------------------------------------------------------------


@line_rule("REIMB-D1-001", severity=Severity.ERROR, legal=_FORMS_65,
           message=Text(
               fr="Une ligne D1 porte sur un seul mois civil : la dépense du {expense} n'est "
                  "pas du mois {period}.",
               nl="Een D1-lijn betreft één kalendermaand: de uitgave van {expense} valt niet "
                  "in {period}.",
               en="A D1 line covers one calendar month: the expense of {expense} is not in "
                  "{period}."))
class D1OneMonth(LineRule):
    """Each D1 line claims one calendar month.

    The line's period is a month by construction; its expense date, when given,
    must fall in that month. domain.md, "Reimbursement by SPP IS" (D1).
    """

    @property
    def active(self) -> bool:
        return self.form.form_type is FormType.LOI65_D1

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        day = line.expense_date
        if day is None or (day.year, day.month) == (line.period.year, line.period.month):
            return None
        return Hit(f"$.lines[{index}].expense_date",
                   {"expense": day, "period": str(line.period)})


@line_rule("REIMB-D1-002", severity=Severity.ERROR, legal=_FORMS_65,
           message=Text(
               fr="Une ligne D1 doit renvoyer à la décision B1 acceptée sur laquelle elle "
                  "repose.",
               nl="Een D1-lijn moet verwijzen naar de aanvaarde B1-beslissing waarop ze steunt.",
               en="A D1 line must refer to the accepted B1 decision it rests on."))
class D1OnB1(LineRule):
    """A D1 cost claim rests on an accepted B1: each line refers to the B1 decision
    (``source_id``). domain.md, "Reimbursement by SPP IS" (D1 only on an accepted B1)."""

    @property
    def active(self) -> bool:
        return self.form.form_type is FormType.LOI65_D1

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        return Hit(f"$.lines[{index}].source_id") if line.source_id is None else None


@line_rule("REIMB-COST-001", severity=Severity.ERROR, legal=_COST_DEADLINE,
           message=Text(
               fr="État de frais forclos : la dépense de {period} devait être introduite au "
                  "plus tard le {deadline}.",
               nl="Kostenstaat vervallen: de uitgave van {period} moest uiterlijk op "
                  "{deadline} ingediend worden.",
               en="Cost statement time-barred: the expense of {period} had to be claimed by "
                  "{deadline}."))
class CostStatementInTime(LineRule):
    """Loi 65 cost statements (D1, D2) reach SPP IS within 12 months after the end of the
    quarter of the expense, on pain of forfeiture.

    The expense is the line's expense date, or its month when no date is given;
    compared with the submission date. Parameter
    ``reimbursement.cost_statement_deadline_months``; loi 02/04/1965 art. 12;
    domain.md, "Reimbursement by SPP IS". The submission date follows the lines
    in the XML, so the deadline of each line's month is computed as the line
    passes and the line's index is kept (4 bytes) until the end.
    """

    def __init__(self, form: FormStart, ctx: Context) -> None:
        super().__init__(form, ctx)
        # Per month of expense (year, month): its deadline and the lines, as index
        # (month from the line's period) or ~index (from its expense date, where the
        # hit then points). Months are kept as pairs: an expense date may lie
        # outside the years a Period allows.
        self._months: dict[tuple[int, int], tuple[dt.date | None, array[int]]] = {}

    @property
    def active(self) -> bool:
        return self.form.form_type.is_cost_statement

    def _deadline(self, year: int, month: int) -> dt.date | None:
        """The last day to claim an expense of that month (``None``: beyond the calendar)."""
        first = dt.date(year, month, 1)
        months = self.ctx.parameters.integer("reimbursement.cost_statement_deadline_months",
                                             first)
        last_month = ((month - 1) // 3 + 1) * 3
        quarter_end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
        try:
            return add_months(quarter_end, months)
        except ValueError:  # after 31/12/9999: no claim can be late
            return None

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        day = line.expense_date
        month = (line.period.year, line.period.month) if day is None else (day.year, day.month)
        slot = self._months.get(month)
        if slot is None:
            slot = self._months[month] = (self._deadline(*month), array("i"))
        slot[1].append(index if day is None else ~index)
        return None

    def end(self, form: ReimbursementForm, lines: Lines) -> Iterator[Hit]:
        sent = form.submission_date
        late: list[tuple[int, Hit]] = []
        for (year, month), (last, marks) in self._months.items():
            if last is None or sent <= last:
                continue
            values = {"period": f"{year:04d}-{month:02d}", "deadline": last}
            for mark in marks:
                index, where = (mark, "period") if mark >= 0 else (~mark, "expense_date")
                late.append((index, Hit(f"$.lines[{index}].{where}", values)))
        late.sort(key=lambda pair: pair[0])
        for _, hit in late:
            yield hit


# --- Loi DIS form B: PIIS codes, amounts -------------------------------------------------------


@line_rule("REIMB-PIIS-001", severity=Severity.ERROR, legal=_PIIS_CODES,
           message=Text(
               fr="Le code PIIS {code} n'est pas valable pour le mois {period}.",
               nl="De GPMI-code {code} is niet geldig voor de maand {period}.",
               en="PIIS code {code} is not valid for {period}."))
class PiisCodeValid(LineRule):
    """The PIIS code of a loi DIS line is one in force in the line's month.

    Codes 1–7 until 31 Oct 2016; 8, 9, 10, 11 from 1 Nov 2016; 12, 15, 16
    (community service) abolished 1 Oct 2018 (the dated table
    ``piis.form_b_code.<code>``, shared with the PIIS rules). Months with no code in
    force are not checked.
    domain.md, "PIIS" (codes on the revenu d'intégration form B).
    """

    def __init__(self, form: FormStart, ctx: Context) -> None:
        super().__init__(form, ctx)
        self._valid = _last_month(_form_b_codes(ctx))

    @property
    def active(self) -> bool:
        return self.form.law is Law.DIS

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        if line.piis_code is None:
            return None
        codes = self._valid(line.period)
        if codes is None or line.piis_code in codes:
            return None
        return Hit(f"$.lines[{index}].piis_code",
                   {"code": line.piis_code, "period": str(line.period)})


@line_rule("REIMB-PIIS-002", severity=Severity.ERROR, legal=_PIIS_SUBSIDY,
           message=Text(
               fr="Subvention PIIS demandée deux fois pour le mois {period} : par le code PIIS "
                  "de la ligne {income} et par cette ligne.",
               nl="GPMI-toelage tweemaal aangevraagd voor {period}: via de GPMI-code van lijn "
                  "{income} en via deze lijn.",
               en="PIIS subsidy claimed twice for {period}: through the PIIS code of line "
                  "{income} and through this line."))
class PiisSubsidyOnce(LineRule):
    """The PIIS special subsidy is claimed once per beneficiary and month.

    A revenu d'intégration line whose PIIS code carries the subsidy already earns
    it (see :func:`~cpas.sdk.documents.reimbursement.state_share`); a separate PIIS
    subsidy line for the same person and month claims it again, wherever it
    stands in the form. Both kinds of line go into one :class:`MaybeSeen`
    filter; the people and months where both perhaps occur are settled at the
    end by reading the lines again. Loi DIS art. 43/2; domain.md,
    "Reimbursement by SPP IS" (PIIS special subsidy).
    """

    _INCOME: ClassVar[str] = "income"
    _SUBSIDY: ClassVar[str] = "subsidy"

    def __init__(self, form: FormStart, ctx: Context) -> None:
        super().__init__(form, ctx)
        self._subsidised = _last_month(
            _code_set(ctx, "reimbursement.dis.piis_codes_with_subsidy"))
        self._seen = MaybeSeen(form.expected_lines)
        self._again: set[tuple[str, Period]] = set()
        self._subsidy_lines = False  # until the first one, income lines need no lookup

    @property
    def active(self) -> bool:
        return self.form.law is Law.DIS

    def _kind(self, line: ReimbursementLine) -> str | None:
        """``income`` for a revenu d'intégration line that earns the subsidy by its code,
        ``subsidy`` for a subsidy line, else ``None``."""
        if line.basis is LegalBasis.PIIS_SUBSIDY:
            return self._SUBSIDY
        if line.basis is LegalBasis.INTEGRATION_INCOME and line.piis_code is not None:
            codes = self._subsidised(line.period)
            if codes is not None and line.piis_code in codes:
                return self._INCOME
        return None

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        kind = self._kind(line)
        if kind is None:
            return None
        period = line.period
        niss, year, month = line.niss.compact, period.year, period.month
        self._seen.add((kind, niss, year, month))
        if kind is self._SUBSIDY:
            self._subsidy_lines = True
            if (self._INCOME, niss, year, month) in self._seen:
                self._again.add((niss, period))
        elif self._subsidy_lines and (self._SUBSIDY, niss, year, month) in self._seen:
            self._again.add((niss, period))
        return None

    def end(self, form: ReimbursementForm, lines: Lines) -> Iterator[Hit]:
        if not self._again:
            return
        income: dict[tuple[str, Period], int] = {}
        subsidy: list[tuple[int, tuple[str, Period]]] = []
        for index, line in enumerate(lines()):
            kind = self._kind(line)
            if kind is None:
                continue
            key = (line.niss.compact, line.period)
            if key not in self._again:
                continue
            if kind is self._INCOME:
                income.setdefault(key, index)
            else:
                subsidy.append((index, key))
        for index, key in subsidy:
            first = income.get(key)
            if first is not None:
                yield Hit(f"$.lines[{index}]", {"period": str(key[1]), "income": first})


@line_rule("REIMB-RI-001", severity=Severity.WARNING, legal=_AMOUNTS,
           message=Text(
               fr="Le revenu d'intégration de {amount} dépasse le montant mensuel de la "
                  "catégorie « {category} » en {period} ({maximum}).",
               nl="Het leefloon van {amount} is hoger dan het maandbedrag van de categorie "
                  "‘{category}’ in {period} ({maximum}).",
               en="The integration income of {amount} exceeds the monthly amount of category "
                  "'{category}' in {period} ({maximum})."))
class IncomeWithinCategoryAmount(LineRule):
    """A monthly revenu d'intégration line does not exceed the amount of the category.

    The category is the line's, else the header's; amounts from the dated table
    ``ris.amount.*`` at the line's month (months before the table are not
    checked). Recovery forms are not checked. Loi DIS art. 14 §1; domain.md,
    "Revenu d'intégration: categories and amounts".
    """

    def __init__(self, form: FormStart, ctx: Context) -> None:
        super().__init__(form, ctx)
        self._amounts: dict[tuple[str, int, int], Money | None] = {}
        self._last: tuple[Period, str, Money | None] | None = None

    @property
    def active(self) -> bool:
        return self.form.form_type is FormType.DIS_B

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        if line.basis is not LegalBasis.INTEGRATION_INCOME:
            return None
        category = line.category or self.form.header.category
        key = None if category is None else category.amount_key
        if category is None or key is None:
            return None
        period = line.period
        if self._last is not None and self._last[0] is period and self._last[1] == key:
            maximum = self._last[2]
        else:
            slot = (key, period.year, period.month)
            if slot not in self._amounts:
                p, day = self.ctx.parameters, period.first_day()
                self._amounts[slot] = p.money(key, day) if p.in_force(key, day) else None
            maximum = self._amounts[slot]
            self._last = (period, key, maximum)
        if maximum is None or line.amount.amount <= maximum.amount:
            return None
        return Hit(f"$.lines[{index}].amount",
                   {"amount": line.amount, "category": category.label,
                    "period": str(line.period), "maximum": maximum})


@line_rule("REIMB-RECOV-001", severity=Severity.ERROR, legal=_FORMS_DIS,
           message=Text(
               fr="Une ligne de récupération (formulaire D) doit porter un code de type de "
                  "récupération à deux chiffres (01, 04, 05, 06, 08…).",
               nl="Een terugvorderingslijn (formulier D) vermeldt een code van het type "
                  "terugvordering met twee cijfers (01, 04, 05, 06, 08…).",
               en="A recovery line (form D) needs a two-digit recovery type code "
                  "(01, 04, 05, 06, 08…)."))
class RecoveryTypePresent(LineRule):
    """Every line of a loi DIS recovery form D carries a two-digit recovery type code.

    domain.md, "Reimbursement by SPP IS" (form D: recovery type code 01, 04, 05,
    06, 08…).
    """

    @property
    def active(self) -> bool:
        return self.form.form_type is FormType.DIS_D

    def line(self, index: int, line: ReimbursementLine) -> Hit | None:
        code = line.recovery_type
        if code is None or not _RECOVERY_CODE.fullmatch(code):
            return Hit(f"$.lines[{index}].recovery_type")
        return None


# --- Checking a form read as a stream ---------------------------------------------------------


class StreamingCheck:
    """The rule checks of one reimbursement form whose lines arrive one at a time.

    Made from the part of the form that precedes the lines (type and header),
    fed each line with :meth:`add`, closed with :meth:`finish`, it gives the
    report of ``check(form)`` for the same form, finding for finding and in the
    same order (``tests/adapters/test_checking.py`` compares both). Lines are
    not kept: see the module docstring for what the rules remember.

    Rules registered by other modules for :class:`ReimbursementForm` with
    :func:`~cpas.sdk.rules.rule` (not :func:`line_rule`) run at :meth:`finish`
    on the form without its lines.

    >>> stream = StreamingCheck(form.form_type, form.header)      # doctest: +SKIP
    >>> for line in lines: stream.add(line)                       # doctest: +SKIP
    >>> report = stream.finish(form_without_lines, lines=reread)  # doctest: +SKIP
    """

    def __init__(
        self,
        form_type: FormType,
        header: FormHeader,
        *,
        expected_lines: int = 0,
        today: dt.date | None = None,
        policy: LocalPolicy | None = None,
        parameters: Parameters | None = None,
    ) -> None:
        self._today = today
        self._policy = policy or LocalPolicy()
        self._parameters = parameters or Parameters.default()
        self._start = FormStart(form_type, header, expected_lines)
        ctx = Context(on=header.effective_date, parameters=self._parameters,
                      policy=self._policy, today=today)
        self._hits: dict[str, list[Hit]] = {}
        self._failed: dict[str, NoRuleInForce] = {}
        self._running: list[tuple[str, Severity, LineRule]] = []
        for info in rules_for(ReimbursementForm):
            kind = _LINE_RULES.get(info.code)
            if kind is None or not info.applies_on(ctx.on):
                continue
            try:
                checker = kind(self._start, ctx)
            except NoRuleInForce as exc:
                self._failed[info.code] = exc
                continue
            if checker.active:
                self._running.append((info.code, info.severity, checker))
                self._hits[info.code] = []
        self.lines = 0
        """Lines added so far."""
        self.errors = 0
        """Hits of severity error found so far by :meth:`add`."""

    def add(self, line: ReimbursementLine) -> list[Hit]:
        """Check the next line; return its hits (to locate them while the line is at hand)."""
        index = self.lines
        self.lines += 1
        found: list[Hit] = []
        failed = False
        for code, severity, checker in self._running:
            try:
                hit = checker.line(index, line)
            except NoRuleInForce as exc:
                self._fail(code, exc)
                failed = True
                continue
            if hit is not None:
                self._hits[code].append(hit)
                found.append(hit)
                if (hit.severity or severity) is Severity.ERROR:
                    self.errors += 1
        if failed:
            self._running = [entry for entry in self._running if entry[0] not in self._failed]
        return found

    def _fail(self, code: str, exc: NoRuleInForce) -> None:
        """The engine reports a rule without its parameter once, and none of its hits."""
        self._failed[code] = exc
        self._hits.pop(code, None)

    def finish(self, form: ReimbursementForm, lines: Lines | None = None) -> Report:
        """The report, once the whole form has passed.

        ``form`` is the form without its lines (header and trailer: submission
        date, counts); ``lines`` reads the lines again, in order, for the rare
        keys the cross-line rules must settle. Pass ``None`` when the lines
        were not all added (checking stopped early): the rules' end-of-form
        part is then skipped and the report holds what was found so far.
        """
        if form.form_type is not self._start.form_type or form.header != self._start.header:
            raise ValueError("finish() needs the form whose type and header started the check")
        if lines is not None:
            for code, _, checker in self._running:
                try:
                    self._hits[code].extend(checker.end(form, lines))
                except NoRuleInForce as exc:
                    self._fail(code, exc)
        self._running = []
        outcomes: dict[str, tuple[Hit, ...] | NoRuleInForce] = {
            code: tuple(hits) for code, hits in self._hits.items()}
        outcomes.update(self._failed)
        values = {field.alias or field.name: getattr(form, field.name)
                  for field in attrs.fields(ReimbursementForm)}
        values["lines"] = ()
        streamed = _StreamedForm(**values, outcomes=outcomes)
        return check(streamed, today=self._today, policy=self._policy,
                     parameters=self._parameters)


# --- Corrections against the forms sent before ---------------------------------------------------


_CorrectionKey = tuple[FormType, str, str | None, dt.date, str]


def _correction_keys(form: ReimbursementForm) -> Iterator[_CorrectionKey]:
    header = form.header
    base = (form.form_type, header.cpas.kbo.compact, header.file_key, header.effective_date)
    for line in form.lines:
        yield (*base, line.niss.compact)


def _keys(forms: Iterable[ReimbursementForm]) -> frozenset[_CorrectionKey]:
    return frozenset(key for form in forms for key in _correction_keys(form))


def _key_set(values: Iterable[_CorrectionKey]) -> frozenset[_CorrectionKey]:
    return frozenset(values)


@attrs.frozen
class CorrectionCheck:
    """A form together with the keys of the forms already sent (see :func:`check_corrections`).

    A key is (form type, CPAS KBO, file number key, effective date, beneficiary NISS):
    what NOVA PRIMA uses to find the form a correction replaces.
    """

    form: ReimbursementForm
    sent: frozenset[_CorrectionKey] = attrs.field(converter=_key_set)

    def rules_date(self) -> dt.date:
        return self.form.rules_date()


def check_corrections(
    form: ReimbursementForm,
    sent: Iterable[ReimbursementForm],
    *,
    parameters: Parameters | None = None,
    policy: LocalPolicy | None = None,
) -> Report:
    """Check ``form``'s correction status against the forms ``sent`` before.

    Status code 1 (correction) replaces the form of the same type, date, CPAS and
    file for the same beneficiary: a correction needs such an original, and a
    form that has one must be sent as a correction. Linear: one set of keys.
    domain.md, "Reimbursement by SPP IS" (header: status code 1).
    """
    return check(CorrectionCheck(form, _keys(sent)), parameters=parameters, policy=policy)


@rule("REIMB-CORR-001", document=CorrectionCheck, severity=Severity.ERROR, legal=_HEADER,
      message=Text(
          fr="Correction sans formulaire d'origine : aucun formulaire de même type et de même "
             "date n'a été envoyé pour ce bénéficiaire.",
          nl="Correctie zonder oorspronkelijk formulier: er werd geen formulier van hetzelfde "
             "type en dezelfde datum verzonden voor deze begunstigde.",
          en="Correction without an original: no form of the same type and date was sent for "
             "this beneficiary."))
def correction_has_original(doc: CorrectionCheck, ctx: Context) -> Iterator[Hit]:
    """A correction (status code 1) replaces a form of the same date already sent.

    domain.md, "Reimbursement by SPP IS" (header: status code 1 = correction
    replacing the form of the same date; D1: same date and file).
    """
    if not doc.form.header.is_correction:
        return
    for index, key in enumerate(_correction_keys(doc.form)):
        if key not in doc.sent:
            yield Hit(f"$.lines[{index}]")


@rule("REIMB-CORR-002", document=CorrectionCheck, severity=Severity.ERROR, legal=_HEADER,
      message=Text(
          fr="Un formulaire de même type et de même date a déjà été envoyé pour ce bénéficiaire "
             ": envoyez celui-ci comme correction (code statut 1).",
          nl="Er werd al een formulier van hetzelfde type en dezelfde datum verzonden voor deze "
             "begunstigde: verzend dit als correctie (statuscode 1).",
          en="A form of the same type and date was already sent for this beneficiary: send this "
             "one as a correction (status code 1)."))
def resent_form_is_correction(doc: CorrectionCheck, ctx: Context) -> Iterator[Hit]:
    """A form whose type, date, CPAS, file and beneficiary match one already sent is a
    correction (status code 1). domain.md, "Reimbursement by SPP IS" (header)."""
    if doc.form.header.is_correction:
        return
    for index, key in enumerate(_correction_keys(doc.form)):
        if key in doc.sent:
            yield Hit(f"$.lines[{index}]")
