"""Templates: the variables, the sandbox and what it refuses at save time, rendering."""

from __future__ import annotations

from datetime import date

import pytest

from agency.kit.money import Money, MoneyError
from agency.outreach.templating import (
    LANGUAGES,
    MAX_BODY,
    MAX_DEPTH,
    MAX_HTML,
    MAX_REFUSALS,
    MAX_VALUE,
    VARIABLES,
    AgencyContact,
    Language,
    TemplateParts,
    TemplateProblem,
    build_variables,
    parse_template,
    render,
    render_unconditional,
    sample_variables,
)

AGENCY = AgencyContact(
    name="Acme Recovery Services",
    phone="(800) 555-0199",
    email="help@acme.example",
    address="100 Main Street, Springfield, IL 62701",
    hours="Monday to Friday, 8 a.m. to 8 p.m.",
    website="https://acme.example",
)


def _variables(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "language": "en",
        "first_name": "Jane",
        "last_name": "Doe",
        "reference": "ACC-1",
        "principal": Money(100_000, "USD"),
        "interest": Money(2_345, "USD"),
        "fees": Money(0, "USD"),
        "creditor": "Northwind Bank",
        "original_creditor": None,
        "client_name": "Northwind",
        "agency": AGENCY,
        "self_service_link": "https://pay.acme.example/s/abc",
        "opt_out_email_link": "https://pay.acme.example/o/abc",
        "today": date(2026, 5, 4),
    }
    values.update(changes)
    return dict(build_variables(**values))  # type: ignore[arg-type]


def _problems(parts: TemplateParts, channel: str = "letter") -> list[str]:
    with pytest.raises(TemplateProblem) as raised:
        parse_template(parts, channel=channel)  # type: ignore[arg-type]
    return [str(problem) for problem in raised.value.problems]


def _refused(body: str, channel: str = "letter") -> str:
    problems = _problems(TemplateParts(body=body), channel)
    assert len(problems) == 1, problems
    return problems[0]


def _render(body: str, channel: str = "letter", **changes: object) -> str:
    parsed = parse_template(TemplateParts(body=body), channel=channel)  # type: ignore[arg-type]
    return render(parsed, _variables(**changes)).body


# The variables ----------------------------------------------------------------------


def test_every_variable_is_documented_and_dotted_names_are_at_most_two_deep() -> None:
    for name, description in VARIABLES.items():
        assert description.strip(), name
        assert name.count(".") <= 1, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_template_may_use_every_variable_with_the_sample_values(language: Language) -> None:
    body = "\n".join(f"{{{{ {name} }}}}" for name in VARIABLES)
    parsed = parse_template(TemplateParts(body=body), channel="letter")
    assert parsed.variables["body"] == frozenset(VARIABLES)
    lines = render(parsed, sample_variables(language)).body.split("\n")
    assert len(lines) == len(VARIABLES)
    assert all(line for name, line in zip(VARIABLES, lines, strict=True) if name != "today")


def test_sample_values_are_realistic() -> None:
    english = sample_variables("en")
    assert english["consumer"] == {"first_name": "Jane", "last_name": "Doe"}
    assert isinstance(english["case"], dict)
    assert english["case"]["balance"] == "$1,234.56"
    assert english["today"] == "September 30, 2026"
    spanish = sample_variables("es")
    assert isinstance(spanish["disclosure"], dict)
    assert spanish["disclosure"]["debt_collector"] == (
        "Esta comunicación es de un cobrador de deudas."
    )
    assert spanish["today"] == "30 de septiembre de 2026"


def test_amounts_are_money_in_the_language_and_the_balance_is_their_sum() -> None:
    text = "{{ case.balance }} = {{ case.principal }} + {{ case.interest }} + {{ case.fees }}"
    assert _render(text) == "$1,023.45 = $1,000.00 + $23.45 + $0.00"
    assert _render(text, language="es") == "$1,023.45 = $1,000.00 + $23.45 + $0.00"
    euros = _render(
        "{{ case.balance }}",
        principal=Money(1050, "EUR"),
        interest=Money(0, "EUR"),
        fees=Money(0, "EUR"),
    )
    assert euros == "€10.50"


def test_dates_and_fixed_wording_follow_the_language() -> None:
    text = "{{ today }} | {{ opt_out.sms }} | {{ disclosure.debt_collector }}"
    assert _render(text) == (
        "May 4, 2026 | Reply STOP to opt out. | This communication is from a debt collector."
    )
    assert _render(text, language="es") == (
        "4 de mayo de 2026 | Responda STOP para cancelar los mensajes. | "
        "Esta comunicación es de un cobrador de deudas."
    )


def test_an_unknown_original_creditor_is_empty() -> None:
    text = "{% if case.original_creditor %}Originally: {{ case.original_creditor }}{% endif %}."
    assert _render(text) == "."
    assert _render(text, original_creditor="Contoso") == "Originally: Contoso."


def test_build_variables_refuses_mixed_currencies_and_long_values() -> None:
    with pytest.raises(MoneyError, match="cannot combine USD and EUR"):
        _variables(fees=Money(1, "EUR"))
    with pytest.raises(ValueError, match=r"consumer\.last_name is longer than 500"):
        _variables(last_name="x" * (MAX_VALUE + 1))
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        _variables(language="fr")


def test_render_takes_exactly_the_variables_as_strings() -> None:
    parsed = parse_template(TemplateParts(body="Hi"), channel="letter")
    variables = _variables()
    case = variables.pop("case")
    with pytest.raises(ValueError, match=r"case\.reference is missing"):
        render(parsed, variables)
    assert isinstance(case, dict)
    with pytest.raises(ValueError, match=r"case\.secret is not a template variable"):
        render(parsed, {**variables, "case": {**case, "secret": "x"}})
    with pytest.raises(ValueError, match=r"case\.balance must be a string, not int"):
        render(parsed, {**variables, "case": {**case, "balance": 123456}})


# Rendering --------------------------------------------------------------------------


def test_an_email_has_a_subject_a_text_body_and_an_escaped_html_body() -> None:
    parts = TemplateParts(
        subject="Account {{ case.reference }}",
        body="Hello {{ consumer.first_name }}",
        html="<p>Hello {{ consumer.first_name }}</p>",
    )
    rendered = render(
        parse_template(parts, channel="email"), _variables(first_name="<b>Jo</b> & co")
    )
    assert rendered.subject == "Account ACC-1"
    assert rendered.body == "Hello <b>Jo</b> & co"
    assert rendered.html == "<p>Hello &lt;b&gt;Jo&lt;/b&gt; &amp; co</p>"


def test_an_email_without_html_renders_none_and_blank_html_is_none() -> None:
    parts = TemplateParts(subject="Hi", body="Text", html="  ")
    rendered = render(parse_template(parts, channel="email"), _variables())
    assert rendered.html is None
    assert rendered.body == "Text"


def test_text_channels_are_not_escaped() -> None:
    for channel in ("sms", "letter", "voice"):
        assert _render("{{ agency.name }} & <co>", channel, agency=AGENCY) == (
            "Acme Recovery Services & <co>"
        )


def test_filters_and_conditions_work() -> None:
    body = (
        "{{ consumer.first_name | upper }} {{ consumer.last_name | lower }} "
        "{{ case.original_creditor | default('no one', true) }} "
        "{{ 'yes' if case.original_creditor else 'no' }}"
        "{% if not case.original_creditor and consumer.first_name %}!{% endif %}"
    )
    assert _render(body) == "JANE doe no one no!"


def test_render_unconditional_leaves_out_every_condition() -> None:
    parts = TemplateParts(
        body="A{% if today %}B{% else %}C{% endif %}{{ 'D' if today else 'E' }}"
        "{% if today %}{% if today %}F{% endif %}{% endif %}G{{ consumer.first_name }}"
    )
    parsed = parse_template(parts, channel="letter")
    assert render(parsed, _variables()).body == "ABDFGJane"
    assert render_unconditional(parsed, _variables()).body == "AGJane"


def test_the_output_is_bounded() -> None:
    body = "{{ agency.address }}" * 20
    with pytest.raises(TemplateProblem, match="body: renders to more than 1,600 characters"):
        _render(body, "sms", agency=AgencyContact(*(["x" * MAX_VALUE] * 6)))
    assert len(_render(body, "letter", agency=AgencyContact(*(["x" * MAX_VALUE] * 6)))) == (
        20 * MAX_VALUE
    )


def test_a_subject_must_render_to_one_line() -> None:
    parts = TemplateParts(subject="Hi {{ consumer.first_name }}", body="x")
    parsed = parse_template(parts, channel="email")
    with pytest.raises(TemplateProblem, match="subject: renders to more than one line"):
        render(parsed, _variables(first_name="Jane\r\nBcc: x@example.com"))


# What parsing refuses ---------------------------------------------------------------


def test_a_syntax_error_names_the_part_and_line() -> None:
    assert _refused("Hello\n{{ consumer.first_name }\n") == "body: line 2: unexpected '}'"
    assert _problems(
        TemplateParts(subject="Hi", body="ok", html="<p>\n\n{% if today %}</p>"), "email"
    ) == [
        "html: line 3: Unexpected end of template. Jinja was looking for the following "
        "tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed "
        "is 'if'."
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "{{ consumer.middle_name }}",
            "'consumer.middle_name' is not a template variable; consumer has "
            "consumer.first_name, consumer.last_name",
        ),
        (
            "{{ consumer }}",
            "'consumer' is a group, not a value: use one of consumer.first_name, "
            "consumer.last_name",
        ),
        ("{{ today.year }}", "'today.year' is not a template variable; today is a value"),
        ("{{ balance }}", "'balance' is not a template variable (the variables: agency.*"),
        ("{{ self }}", "'self' is not a template variable"),
        ("{{ joiner }}", "'joiner' is not a template variable"),
    ],
)
def test_only_the_listed_variables(body: str, message: str) -> None:
    assert _refused(body).startswith(f"body: line 1: {message}")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ consumer.__class__ }}", "'consumer.__class__' reaches into Python's internals"),
        (
            "{{ case.balance.__class__.__mro__ }}",
            "'case.balance.__class__.__mro__' reaches into Python's internals",
        ),
        ("{{ ''.__class__.__mro__ }}", "'.__class__.__mro__' on a literal or an expression"),
        ("{{ (consumer.first_name | upper).__len__ }}", "'.__len__' on a literal or an"),
        ("{{ consumer['first_name'] }}", "subscripts ([...]) are not allowed"),
        ("{{ consumer.first_name[0:1] }}", "subscripts ([...]) are not allowed"),
        ("{{ consumer.first_name.upper() }}", "calls (functions, methods, macros)"),
        ("{{ cycler('a', 'b') }}", "calls (functions, methods, macros)"),
        ("{{ joiner() }}", "calls (functions, methods, macros)"),
        ("{{ namespace(a=1) }}", "calls (functions, methods, macros)"),
        ("{{ lipsum(1000) }}", "calls (functions, methods, macros)"),
        ("{% macro m() %}x{% endmacro %}", "calls (functions, methods, macros)"),
        ("{% include 'other.html' %}", "{% include %}, {% import %} and {% extends %}"),
        ("{% import 'macros.html' as m %}", "{% include %}, {% import %} and {% extends %}"),
        ("{% from 'm.html' import x %}", "{% include %}, {% import %} and {% extends %}"),
        ("{% extends 'base.html' %}", "{% include %}, {% import %} and {% extends %}"),
        ("{% for i in range(10**9) %}x{% endfor %}", "loops ({% for %}) are not allowed"),
        ("{% set x = today %}", "{% set %} and {% with %} are not allowed"),
        ("{% set x %}a{% endset %}", "{% set %} and {% with %} are not allowed"),
        ("{% with x = today %}{% endwith %}", "{% set %} and {% with %} are not allowed"),
        ("{{ 'a' * 1000000000 }}", "arithmetic is not allowed"),
        ("{{ -today }}", "arithmetic is not allowed"),
        ("{% if today == 'x' %}y{% endif %}", "comparisons and tests"),
        ("{% if today is defined %}y{% endif %}", "comparisons and tests"),
        ("{% if 'a' in today %}y{% endif %}", "comparisons and tests"),
        ("{{ today | safe }}", "the filter 'safe' is not allowed"),
        ("{{ today | attr('upper') }}", "the filter 'attr' is not allowed"),
        ("{{ today | format(1) }}", "the filter 'format' is not allowed"),
        ("{{ today | default(*today) }}", "*args and **kwargs are not allowed"),
        ("{% filter upper %}x{% endfilter %}", "{% filter %} blocks are not allowed"),
        ("{% block b %}x{% endblock %}", "{% block %} is not allowed"),
        ("{{ [today] }}", "lists, tuples and dicts are not allowed"),
        ("{% autoescape false %}{{ today }}{% endautoescape %}", "{% autoescape %} is not"),
    ],
)
def test_escapes_and_everything_beyond_variables_filters_and_if_are_refused(
    body: str, message: str
) -> None:
    assert _refused(body).startswith(f"body: line 1: {message}")


def test_refusals_come_in_source_order_with_their_lines_and_are_capped() -> None:
    body = "{{ consumer.x }}\n{{ ''.__class__ }}\n{% for i in today %}{{ i.y }}{% endfor %}"
    problems = _problems(TemplateParts(body=body))
    assert [problem.split(":")[1] for problem in problems] == [" line 1", " line 2", " line 3"]
    many = _problems(TemplateParts(body="{{ x }}" * (MAX_REFUSALS + 5)))
    assert len(many) == MAX_REFUSALS


def test_nesting_is_bounded() -> None:
    ok = "{% if today %}" * 10 + "x" + "{% endif %}" * 10
    assert _render(ok) == "x"
    for deep in (
        "{{ today" + " | upper" * (MAX_DEPTH + 1) + " }}",
        "{{ " + " or ".join(["today"] * 2000) + " }}",
    ):
        assert f"more than {MAX_DEPTH} deep" in _refused(deep)
    assert _refused("{{ " + "not " * 3000 + "today }}") == "body: is nested too deeply to read"


def test_sources_are_bounded_before_they_are_parsed() -> None:
    assert _refused("x" * (MAX_BODY["sms"] + 1), "sms") == (
        "body: is 1,601 characters; at most 1,600 for sms"
    )
    assert _refused("{{" * MAX_BODY["letter"], "letter").startswith("body: is 40,000")
    parts = TemplateParts(subject="Hi", body="x", html="x" * (MAX_HTML + 1))
    assert _problems(parts, "email") == ["html: is 50,001 characters; at most 50,000 for email"]


def test_the_parts_a_channel_has() -> None:
    assert _problems(TemplateParts(body="x"), "email") == ["subject: an e-mail needs a subject"]
    assert _problems(TemplateParts(subject="a\nb", body="x"), "email") == [
        "subject: must be one line"
    ]
    assert _problems(TemplateParts(subject="Hi", body="x", html="<p>x</p>"), "sms") == [
        "subject: only an e-mail has a subject, not sms",
        "html: only an e-mail has an HTML body, not sms",
    ]
    assert _problems(TemplateParts(body="  \n"), "voice") == ["body: is empty"]
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        parse_template(TemplateParts(body="x"), channel="fax")  # type: ignore[arg-type]


def test_every_part_is_checked() -> None:
    parts = TemplateParts(subject="{{ a }}", body="{{ b }}", html="{{ c }}")
    assert [problem.split(":")[0] for problem in _problems(parts, "email")] == [
        "subject",
        "body",
        "html",
    ]
