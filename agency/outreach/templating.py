"""Outreach message templates: sandboxed Jinja2 over a fixed, documented set of variables.

A template is written per channel (sms, email, letter, voice script) and language (en,
es).  It may use only the variables of ``VARIABLES``, every one a ready-made string
(amounts already formatted as money, dates as words), the filters of ``FILTERS`` and
``{% if %}`` on whether a variable is empty.  Nothing else parses: no loops, no
``{% set %}``, no calls, no subscripts, no arithmetic, no comparisons, no include,
import or extends (there is no loader), no globals (``range``, ``cycler``, ``joiner``,
``namespace``, ``lipsum`` are gone).  So a template's output is its own text plus
bounded variable values: it cannot loop, build large strings or reach Python objects.
The checks run on the parsed tree before anything is compiled (compiling folds
constants, which must not get to evaluate what a template author wrote), and the
environment is Jinja's immutable sandbox with strict undefined variables besides.

An e-mail has a subject, a text body and optionally an HTML body (autoescaped); every
other channel has a body only, rendered as text.  Callers build the variables with
``build_variables`` (from a case) or ``sample_variables`` (previews and save-time
checks) and render with ``render``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal

from babel.dates import format_date
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from agency.kit.money import Money
from agency.outreach.payment_words import (
    PAYMENT_VARIABLES,
    SAMPLE_ARRANGEMENT,
    SAMPLE_PAYMENT,
    ArrangementFacts,
    PaymentFacts,
    arrangement_values,
    payment_values,
)

Channel = Literal["sms", "email", "letter", "voice"]
Language = Literal["en", "es"]
Part = Literal["subject", "body", "html"]
"""The parts of a template, named as ``TemplateParts`` names them (and problems too)."""

CHANNELS: Final[tuple[Channel, ...]] = ("sms", "email", "letter", "voice")
LANGUAGES: Final[tuple[Language, ...]] = ("en", "es")
LOCALES: Final[Mapping[Language, str]] = MappingProxyType({"en": "en_US", "es": "es_US"})
"""The locale money and dates are written in, per language."""

VARIABLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "consumer.first_name": "The consumer's first name, as the client placed the case.",
        "consumer.last_name": "The consumer's last name, as the client placed the case.",
        "case.reference": "The client's reference for the account: what the consumer knows it by.",
        "case.balance": "The balance owed now (principal + interest + fees), as money: $1,234.56.",
        "case.principal": "The principal part of the balance, as money.",
        "case.interest": "The interest part of the balance, as money.",
        "case.fees": "The fees part of the balance, as money.",
        "case.creditor": "The creditor the debt is owed to now (the case's current "
        "creditor, else the client).",
        "case.original_creditor": "The original creditor; empty when not known (use "
        "{% if case.original_creditor %}).",
        "client.name": "The client that placed the case with the agency.",
        "agency.name": "The agency's name, as it collects.",
        "agency.phone": "The agency's telephone number for consumers.",
        "agency.email": "The agency's e-mail address for consumers.",
        "agency.address": "The agency's postal address, on one line.",
        "agency.hours": "When the agency answers the phone.",
        "agency.website": "The agency's website.",
        "disclosure.mini_miranda": "The full disclosure for a first communication, in "
        "the template's language: 'This is an attempt to collect a debt and any "
        "information obtained will be used for that purpose.' (FDCPA 807(11)).",
        "disclosure.debt_collector": "The disclosure for every later communication: "
        "'This communication is from a debt collector.' (FDCPA 807(11)).",
        "self_service_link": "The consumer's own signed link to the self-service page "
        "(pay, set up a plan, dispute).",
        "opt_out.sms": "How to stop texts, in the template's language: 'Reply STOP to "
        "opt out.' (Reg F 1006.6(e)).",
        "opt_out.email_link": "The consumer's signed link that stops e-mails to this "
        "address (Reg F 1006.6(e)).",
        "today": "The date the message is written, in words: September 30, 2026.",
        **PAYMENT_VARIABLES,
    }
)
"""Every variable a template may use, dotted name -> what it holds.  Every value is a
string; amounts are formatted money and dates are words in the template's language."""

GROUPS: Final[frozenset[str]] = frozenset(
    name.split(".", 1)[0] for name in VARIABLES if "." in name
)
_ROOTS = GROUPS | {name for name in VARIABLES if "." not in name}

FILTERS: Final[tuple[str, ...]] = ("upper", "lower", "title", "capitalize", "trim", "default")
"""The only filters a template may apply: {{ consumer.first_name | title }}."""

MINI_MIRANDA: Final[Mapping[Language, str]] = MappingProxyType(
    {
        "en": "This is an attempt to collect a debt and any information obtained will be "
        "used for that purpose.",
        "es": "Este es un intento de cobrar una deuda y cualquier información obtenida "
        "será utilizada para ese propósito.",
    }
)
DEBT_COLLECTOR_LINE: Final[Mapping[Language, str]] = MappingProxyType(
    {
        "en": "This communication is from a debt collector.",
        "es": "Esta comunicación es de un cobrador de deudas.",
    }
)
SMS_OPT_OUT: Final[Mapping[Language, str]] = MappingProxyType(
    {
        "en": "Reply STOP to opt out.",
        "es": "Responda STOP para cancelar los mensajes.",
    }
)

# Bounds, checked before a template is parsed (source) and while it renders (output).
# 1,600 characters is the longest body Twilio sends.
MAX_SUBJECT: Final = 500
MAX_BODY: Final[Mapping[Channel, int]] = MappingProxyType(
    {"sms": 1_600, "email": 20_000, "letter": 20_000, "voice": 5_000}
)
MAX_HTML: Final = 50_000
MAX_OUTPUT: Final[Mapping[Channel, int]] = MappingProxyType(
    {"sms": 1_600, "email": 40_000, "letter": 40_000, "voice": 10_000}
)
MAX_HTML_OUTPUT: Final = 100_000
MAX_SUBJECT_OUTPUT: Final = 998  # one header line (RFC 5322 2.1.1)
MAX_VALUE: Final = 500
"""The longest value a variable may hold."""
MAX_REFUSALS: Final = 10
"""The most refusals reported for one part: the first ones, in source order."""
MAX_DEPTH: Final = 32
"""How deep a template's tree may nest (``{% if %}`` in ``{% if %}``, filter on filter);
a plain variable in a filter in an ``{% if %}`` is 6 deep."""


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one part of a template (``field``: subject, body or html)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class TemplateProblem(ValueError):
    """A template that cannot be saved or rendered, with every problem found."""

    def __init__(self, *problems: Problem) -> None:
        if not problems:
            raise ValueError("TemplateProblem needs at least one problem")
        self.problems = problems
        self.field = problems[0].field
        self.message = problems[0].message
        super().__init__("; ".join(str(problem) for problem in problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateParts:
    """A template's source.  ``subject`` and ``html`` are for e-mail only; an empty or
    blank ``html`` means the e-mail has no HTML body."""

    subject: str | None = None
    body: str
    html: str | None = None

    def present(self) -> Iterator[tuple[Part, str]]:
        """The parts given, with their source, in a fixed order."""
        if self.subject is not None:
            yield "subject", self.subject
        yield "body", self.body
        if self.html is not None and self.html.strip():
            yield "html", self.html


@dataclass(frozen=True, slots=True)
class RenderedParts:
    """A rendered message: the subject and HTML body for e-mail, None otherwise."""

    subject: str | None
    body: str
    html: str | None

    def present(self) -> Iterator[tuple[Part, str]]:
        """The parts rendered, with their text, in a fixed order."""
        if self.subject is not None:
            yield "subject", self.subject
        yield "body", self.body
        if self.html is not None:
            yield "html", self.html


@dataclass(frozen=True, slots=True)
class ParsedTemplate:
    """A template that parsed and uses only its variables: ready to render.

    ``variables`` names the variables each part uses."""

    channel: Channel
    source: TemplateParts
    variables: Mapping[Part, frozenset[str]]
    compiled: Mapping[Part, Template] = field(repr=False, compare=False)


def _environment(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        cache_size=0,
    )
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in FILTERS}
    env.tests = {}
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def _env(part: Part) -> ImmutableSandboxedEnvironment:
    return _HTML if part == "html" else _TEXT


# Node types a template may hold beyond variables (Name, Getattr) and filters.
_ALLOWED = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.Keyword,
)
_REFUSED: tuple[tuple[tuple[type[nodes.Node], ...], str], ...] = (
    ((nodes.For,), "loops ({% for %}) are not allowed: every variable is a single value"),
    (
        (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends),
        "{% include %}, {% import %} and {% extends %} are not allowed: a template stands alone",
    ),
    (
        (nodes.Macro, nodes.CallBlock, nodes.Call),
        "calls (functions, methods, macros) are not allowed; change text with a filter: "
        + ", ".join(FILTERS),
    ),
    (
        (nodes.Assign, nodes.AssignBlock, nodes.With),
        "{% set %} and {% with %} are not allowed: use the variables as they are",
    ),
    (
        (nodes.Getitem, nodes.Slice),
        "subscripts ([...]) are not allowed: write the variable's dotted name, "
        "{{ consumer.first_name }}",
    ),
    (
        (nodes.Compare, nodes.Test),
        "comparisons and tests (==, <, is, in) are not allowed: {% if %} may only ask "
        "whether a variable is empty",
    ),
    (
        (nodes.BinExpr, nodes.UnaryExpr),
        "arithmetic is not allowed: amounts come ready formatted",
    ),
    (
        (nodes.FilterBlock,),
        "{% filter %} blocks are not allowed; filter the variable: "
        "{{ consumer.first_name | upper }}",
    ),
    ((nodes.Block,), "{% block %} is not allowed: a template stands alone"),
    ((nodes.Tuple, nodes.List, nodes.Dict), "lists, tuples and dicts are not allowed"),
    (
        (nodes.Scope, nodes.EvalContextModifier),
        "{% autoescape %} is not allowed: e-mail HTML is always escaped",
    ),
)


class _Refused(Exception):
    """A node the walk refuses; the walk adds the line number."""


def _refusal(node: nodes.Node) -> str:
    for kinds, message in _REFUSED:
        if isinstance(node, kinds):
            return message
    return f"{type(node).__name__} is not allowed in a template"


def _members(group: str) -> str:
    return ", ".join(name for name in VARIABLES if name.startswith(group + "."))


def _variable(node: nodes.Name | nodes.Getattr) -> str:
    """The dotted variable ``node`` reads; _Refused saying why when it is not one."""
    names: list[str] = []
    current: nodes.Node = node
    while isinstance(current, nodes.Getattr):
        names.append(current.attr)
        current = current.node
    if not isinstance(current, nodes.Name):
        tail = "." + ".".join(reversed(names))
        raise _Refused(
            f"'{tail}' on a literal or an expression is not allowed: a template reads "
            "only its variables"
        )
    names.append(current.name)
    dotted = ".".join(reversed(names))
    if any(name.startswith("_") for name in names):
        raise _Refused(
            f"'{dotted}' reaches into Python's internals: a template reads only its variables"
        )
    if dotted in VARIABLES:
        return dotted
    if dotted in GROUPS:
        raise _Refused(f"'{dotted}' is a group, not a value: use one of {_members(dotted)}")
    root = names[-1]
    if root in GROUPS:
        raise _Refused(f"'{dotted}' is not a template variable; {root} has {_members(root)}")
    if root in VARIABLES:
        raise _Refused(f"'{dotted}' is not a template variable; {root} is a value of its own")
    raise _Refused(
        f"'{dotted}' is not a template variable (the variables: "
        + ", ".join(f"{g}.*" for g in sorted(GROUPS))
        + ", "
        + ", ".join(sorted(_ROOTS - GROUPS))
        + ")"
    )


def _check_tree(tree: nodes.Template) -> tuple[frozenset[str], list[str]]:
    """The variables ``tree`` uses, and what it holds that is not allowed (a node outside
    the allowed set, or deeper than ``MAX_DEPTH``), each as ``line N: why``, in source
    order, at most ``MAX_REFUSALS``.  A refused node's insides are not looked at, and
    the walk ends at the first node too deep.

    Iterative, and the bound on depth keeps Jinja's own (recursive) compiler within
    Python's stack."""
    used: set[str] = set()
    refusals: list[str] = []
    stack: list[tuple[nodes.Node, int, int]] = [(tree, 0, 1)]
    while stack and len(refusals) < MAX_REFUSALS:
        node, depth, outer_line = stack.pop()
        line = node.lineno or outer_line  # {% autoescape %}'s scope has no line of its own
        if depth > MAX_DEPTH:  # said once: the walk ends here
            refusals.append(
                f"line {line}: nests {{% if %}}, conditions and filters more than {MAX_DEPTH} deep"
            )
            break
        try:
            if isinstance(node, nodes.Name | nodes.Getattr):
                used.add(_variable(node))
                continue
            if isinstance(node, nodes.Filter):
                if node.name not in FILTERS:
                    raise _Refused(
                        f"the filter '{node.name}' is not allowed (allowed: "
                        + ", ".join(FILTERS)
                        + ")"
                    )
                if node.dyn_args is not None or node.dyn_kwargs is not None:
                    raise _Refused("*args and **kwargs are not allowed")
            elif not isinstance(node, _ALLOWED):
                raise _Refused(_refusal(node))
        except _Refused as refused:
            refusals.append(f"line {line}: {refused}")
            continue
        children = list(node.iter_child_nodes())
        stack.extend((child, depth + 1, line) for child in reversed(children))
    return frozenset(used), refusals


def _limit(part: Part, channel: Channel) -> int:
    if part == "subject":
        return MAX_SUBJECT
    if part == "html":
        return MAX_HTML
    return MAX_BODY[channel]


def _output_limit(part: Part, channel: Channel) -> int:
    if part == "subject":
        return MAX_SUBJECT_OUTPUT
    if part == "html":
        return MAX_HTML_OUTPUT
    return MAX_OUTPUT[channel]


def _parse(source: str, part: Part) -> nodes.Template:
    try:
        return _env(part).parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(Problem(part, f"line {exc.lineno}: {exc.message}")) from None
    except RecursionError:
        raise TemplateProblem(Problem(part, "is nested too deeply to read")) from None


@lru_cache(maxsize=256)
def _compile(source: str, part: Part) -> tuple[Template, frozenset[str]]:
    tree = _parse(source, part)
    used, refusals = _check_tree(tree)
    if refusals:
        raise TemplateProblem(*(Problem(part, refusal) for refusal in refusals))
    return _env(part).from_string(tree), used


def _shape(parts: TemplateParts, channel: Channel) -> list[Problem]:
    problems: list[Problem] = []
    if channel == "email":
        if parts.subject is None or not parts.subject.strip():
            problems.append(Problem("subject", "an e-mail needs a subject"))
        elif "\n" in parts.subject or "\r" in parts.subject:
            problems.append(Problem("subject", "must be one line"))
    else:
        if parts.subject is not None:
            problems.append(Problem("subject", f"only an e-mail has a subject, not {channel}"))
        if parts.html is not None and parts.html.strip():
            problems.append(Problem("html", f"only an e-mail has an HTML body, not {channel}"))
    if not parts.body.strip():
        problems.append(Problem("body", "is empty"))
    return problems


def parse_template(parts: TemplateParts, *, channel: Channel) -> ParsedTemplate:
    """``parts`` parsed for ``channel``, or TemplateProblem with every problem found:
    a part too long, a part a channel does not have, a syntax error (with its line),
    anything outside the allowed variables, filters and ``{% if %}``."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})")
    problems = _shape(parts, channel)
    compiled: dict[Part, Template] = {}
    used: dict[Part, frozenset[str]] = {}
    for part, source in parts.present():
        limit = _limit(part, channel)
        if len(source) > limit:
            problems.append(
                Problem(part, f"is {len(source):,} characters; at most {limit:,} for {channel}")
            )
            continue
        try:
            compiled[part], used[part] = _compile(source, part)
        except TemplateProblem as exc:
            problems.extend(exc.problems)
    if problems:
        raise TemplateProblem(*problems)
    return ParsedTemplate(
        channel=channel,
        source=parts,
        variables=MappingProxyType(used),
        compiled=MappingProxyType(compiled),
    )


def _leaves(variables: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in variables.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, name + ".")
        else:
            yield name, value


def _checked(variables: Mapping[str, object]) -> dict[str, str | dict[str, str]]:
    """Plain dicts of strings holding exactly ``VARIABLES``; ValueError naming the first
    variable missing, extra, not a string or longer than ``MAX_VALUE``."""
    found = dict(_leaves(variables))
    for name in VARIABLES:
        if name not in found:
            raise ValueError(f"variables: {name} is missing")
    for name, value in found.items():
        if name not in VARIABLES:
            raise ValueError(f"variables: {name} is not a template variable")
        if not isinstance(value, str):
            raise ValueError(f"variables: {name} must be a string, not {type(value).__name__}")
        if len(value) > MAX_VALUE:
            raise ValueError(f"variables: {name} is longer than {MAX_VALUE} characters")
    groups: dict[str, dict[str, str]] = {group: {} for group in GROUPS}
    plain: dict[str, str | dict[str, str]] = dict(groups)
    for name, value in found.items():
        group, _, member = name.partition(".")
        if member:
            groups[group][member] = str(value)
        else:
            plain[name] = str(value)
    return plain


def _bounded(template: Template, context: Mapping[str, object], part: Part, limit: int) -> str:
    chunks: list[str] = []
    size = 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > limit:
            raise TemplateProblem(Problem(part, f"renders to more than {limit:,} characters"))
        chunks.append(chunk)
    return "".join(chunks)


def _render_compiled(
    channel: Channel, compiled: Mapping[Part, Template], variables: Mapping[str, object]
) -> RenderedParts:
    context = _checked(variables)
    out: dict[Part, str] = {
        part: _bounded(template, context, part, _output_limit(part, channel))
        for part, template in compiled.items()
    }
    subject = out.get("subject")
    if subject is not None and ("\n" in subject or "\r" in subject):
        raise TemplateProblem(Problem("subject", "renders to more than one line"))
    return RenderedParts(subject=subject, body=out["body"], html=out.get("html"))


def render(parsed: ParsedTemplate, variables: Mapping[str, object]) -> RenderedParts:
    """The message ``parsed`` says with ``variables`` (from ``build_variables`` or
    ``sample_variables``).  ValueError when the variables are not exactly
    ``VARIABLES`` as strings; TemplateProblem when a part renders past its bound."""
    return _render_compiled(parsed.channel, parsed.compiled, variables)


class _DropConditionals(NodeTransformer):
    """Leaves out every ``{% if %}`` block and inline ``a if b else c``.  (Jinja's
    transformer calls ``visit_<node class>``, hence the names.)"""

    def visit_If(self, node: nodes.If) -> None:  # noqa: N802
        return None

    def visit_CondExpr(self, node: nodes.CondExpr) -> nodes.Const:  # noqa: N802
        return nodes.Const("", lineno=node.lineno)


def render_unconditional(parsed: ParsedTemplate, variables: Mapping[str, object]) -> RenderedParts:
    """What ``parsed`` says whatever the values: rendered with every ``{% if %}`` block
    and inline ``if`` left out.  Text that must reach every consumer (the disclosures,
    the opt-out) is looked for here, so no condition can hide it."""
    compiled: dict[Part, Template] = {}
    for part, source in parsed.source.present():
        tree = _DropConditionals().visit(_parse(source, part))
        tree.set_environment(_env(part))
        compiled[part] = _env(part).from_string(tree)
    return _render_compiled(parsed.channel, compiled, variables)


@dataclass(frozen=True, slots=True)
class AgencyContact:
    """How consumers reach the agency, as the templates say it."""

    name: str
    phone: str
    email: str
    address: str
    hours: str
    website: str


def build_variables(
    *,
    language: Language,
    first_name: str,
    last_name: str,
    reference: str,
    principal: Money,
    interest: Money,
    fees: Money,
    creditor: str,
    original_creditor: str | None,
    client_name: str,
    agency: AgencyContact,
    self_service_link: str,
    opt_out_email_link: str,
    today: date,
    payment: PaymentFacts | None = None,
    arrangement: ArrangementFacts | None = None,
) -> dict[str, str | dict[str, str]]:
    """The variables of one message, in ``language``: amounts as money in its locale
    (MoneyError when the three are in different currencies), ``today`` in words, and the
    disclosures and the text opt-out in the language's fixed wording.  ``payment`` and
    ``arrangement``: a receipt's payment, a confirmation's arrangement (their variables
    are empty in every other message)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (languages: {', '.join(LANGUAGES)})")
    locale = LOCALES[language]
    variables: dict[str, str | dict[str, str]] = {
        "consumer": {"first_name": first_name, "last_name": last_name},
        "case": {
            "reference": reference,
            "balance": (principal + interest + fees).format(locale),
            "principal": principal.format(locale),
            "interest": interest.format(locale),
            "fees": fees.format(locale),
            "creditor": creditor,
            "original_creditor": original_creditor or "",
        },
        "client": {"name": client_name},
        "agency": {
            "name": agency.name,
            "phone": agency.phone,
            "email": agency.email,
            "address": agency.address,
            "hours": agency.hours,
            "website": agency.website,
        },
        "disclosure": {
            "mini_miranda": MINI_MIRANDA[language],
            "debt_collector": DEBT_COLLECTOR_LINE[language],
        },
        "self_service_link": self_service_link,
        "opt_out": {"sms": SMS_OPT_OUT[language], "email_link": opt_out_email_link},
        "today": str(format_date(today, "long", locale=locale)),
        "payment": payment_values(payment, language=language, locale=locale),
        "arrangement": arrangement_values(arrangement, language=language, locale=locale),
    }
    _checked(variables)
    return variables


SAMPLE_SELF_SERVICE_LINK: Final = "https://pay.acme-recovery.example/s/SAMPLE-LINK"
SAMPLE_OPT_OUT_LINK: Final = "https://pay.acme-recovery.example/o/SAMPLE-OPT-OUT"
SAMPLE_DATE: Final = date(2026, 9, 30)
"""A fixed date, so that checks of a template (its SMS segments) do not change by day."""


def sample_variables(language: Language) -> dict[str, str | dict[str, str]]:
    """Realistic variables for previews and save-time checks, where there is no case
    (a receipt's payment and a confirmation's plan among them).

    Every sample value is in the GSM-7 alphabet, so a text's encoding with them is the
    template's own (a real consumer's name may still make a text UCS-2)."""
    spanish = language == "es"
    return build_variables(
        language=language,
        first_name="Ana" if spanish else "Jane",
        last_name="Muñoz" if spanish else "Doe",
        reference="ACC-104233",
        principal=Money(100_000, "USD"),
        interest=Money(18_456, "USD"),
        fees=Money(5_000, "USD"),
        creditor="Northwind Bank",
        original_creditor="Contoso Card Services",
        client_name="Northwind Bank",
        agency=AgencyContact(
            name="Acme Recovery Services",
            phone="(800) 555-0199",
            email="help@acme-recovery.example",
            address="100 Main Street, Suite 200, Springfield, IL 62701",
            hours=(
                "De lunes a viernes, de 8 a. m. a 8 p. m., hora del Centro"
                if spanish
                else "Monday to Friday, 8 a.m. to 8 p.m. Central Time"
            ),
            website="https://acme-recovery.example",
        ),
        self_service_link=SAMPLE_SELF_SERVICE_LINK,
        opt_out_email_link=SAMPLE_OPT_OUT_LINK,
        today=SAMPLE_DATE,
        payment=SAMPLE_PAYMENT,
        arrangement=SAMPLE_ARRANGEMENT,
    )
