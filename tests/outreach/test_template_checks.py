"""Save-time checks of templates: what is refused and why, and the traits the gate reads."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agency.compliance.templates import TEMPLATES, Template
from agency.outreach.segments import Segments
from agency.outreach.template_checks import (
    Checked,
    Traits,
    check_template,
    derive_traits,
    normalize,
)
from agency.outreach.templating import (
    Channel,
    Language,
    TemplateParts,
    parse_template,
)

MM = "{{ disclosure.mini_miranda }}"
DC = "{{ disclosure.debt_collector }}"
LINK = '<a href="{{ opt_out.email_link }}">Unsubscribe</a>'

GOOD: dict[tuple[Channel, Language], TemplateParts] = {
    ("sms", "en"): TemplateParts(
        body="Hi {{ consumer.first_name }}, this is {{ agency.name }}. " + MM + " Pay: "
        "{{ self_service_link }} {{ opt_out.sms }}"
    ),
    ("sms", "es"): TemplateParts(
        body="Hola {{ consumer.first_name }}: " + MM + " {{ self_service_link }} Responda "
        "STOP para no recibir más mensajes."
    ),
    ("email", "en"): TemplateParts(
        subject="Your {{ client.name }} account {{ case.reference }}",
        body="Dear {{ consumer.first_name }},\nYou owe {{ case.balance }}.\n" + MM + "\n"
        "Stop these e-mails: {{ opt_out.email_link }}",
        html="<html><head><title>Account</title></head><body><p>Dear "
        "{{ consumer.first_name }},</p><p>This is an attempt to collect a debt, and any "
        "information obtained will be used for that purpose.</p><p>" + LINK + "</p></body>"
        "</html>",
    ),
    ("email", "es"): TemplateParts(
        subject="Su cuenta {{ case.reference }}",
        body="Estimado/a {{ consumer.first_name }}:\n" + MM + "\nCancelar: "
        "{{ opt_out.email_link }}",
        html="<p>" + MM + '</p><p><a href="{{ opt_out.email_link }}"><img src="x.png" '
        'alt="Cancelar"></a></p>',
    ),
    ("letter", "en"): TemplateParts(
        body="{{ today }}\n\nDear {{ consumer.first_name }} {{ consumer.last_name }},\n"
        "{{ case.creditor }} placed your account {{ case.reference }} with us. The balance "
        "is {{ case.balance }}.\nTHIS IS AN ATTEMPT TO COLLECT A DEBT. ANY INFORMATION "
        "OBTAINED WILL BE USED FOR THAT PURPOSE.\n{{ agency.name }}, {{ agency.address }}"
    ),
    ("letter", "es"): TemplateParts(
        body="{{ today }}\n\nEstimado/a {{ consumer.first_name }}:\nEste es un intento de "
        "cobrar una deuda, y cualquier información obtenida será utilizada para ese "
        "propósito.\n{{ agency.name }}"
    ),
    ("voice", "en"): TemplateParts(
        body="Hello, this is {{ agency.name }} calling for {{ consumer.first_name }}. "
        + MM
        + " Please call us at {{ agency.phone }}, {{ agency.hours }}."
    ),
    ("voice", "es"): TemplateParts(
        body="Hola, llamamos de {{ agency.name }} para {{ consumer.first_name }}. "
        + MM
        + " Llámenos al {{ agency.phone }}."
    ),
}


def _check(
    parts: TemplateParts,
    channel: Channel = "sms",
    language: Language = "en",
    **options: bool | int | None,
) -> Checked:
    return check_template(parts, channel=channel, language=language, **options)  # type: ignore[arg-type]


def _messages(checked: Checked) -> list[str]:
    return [str(problem) for problem in checked.problems]


def _only(checked: Checked) -> str:
    messages = _messages(checked)
    assert len(messages) == 1, messages
    return messages[0]


def _sms(body: str, language: Language = "en", **options: bool | int | None) -> Checked:
    return _check(TemplateParts(body=body), "sms", language, **options)


def test_normalize_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalize("Reply  'STOP'!\n") == "reply stop"
    assert normalize("INFORMACIÓN obtenida, será") == "informacion obtenida sera"


@pytest.mark.parametrize(("channel", "language"), list(GOOD))
def test_a_good_template_of_each_channel_and_language_passes(
    channel: Channel, language: Language
) -> None:
    checked = _check(GOOD[channel, language], channel, language)
    assert checked.problems == ()
    assert checked.ok
    assert checked.traits == Traits(
        full_mini_miranda=True,
        debt_collector_line=True,
        opt_out_instruction=channel in ("sms", "email"),
        threatens_suit=False,
    )
    assert checked.preview is not None
    assert (checked.segments is not None) == (channel == "sms")


# The mini-Miranda -------------------------------------------------------------------


def test_a_first_communication_needs_the_full_mini_miranda() -> None:
    checked = _sms(DC + " {{ opt_out.sms }}")
    assert _only(checked) == (
        "body: a template that may be a first communication must say it is an attempt to "
        "collect a debt and that any information obtained will be used for that purpose "
        "(FDCPA 807(11)), in English, e.g. {{ disclosure.mini_miranda }}"
    )
    assert checked.traits is not None
    assert not checked.traits.full_mini_miranda
    assert checked.traits.debt_collector_line


def test_the_mini_miranda_must_be_in_the_templates_language() -> None:
    english = "This is an attempt to collect a debt and any information obtained will be "
    english += "used for that purpose. Reply STOP to opt out."
    assert _only(_sms(english, "es")).startswith(
        "body: a template that may be a first communication must say it is an attempt"
    )
    assert "in Spanish, e.g. {{ disclosure.mini_miranda }}" in _only(_sms(english, "es"))
    assert _sms(english, "en").ok


@pytest.mark.parametrize(
    "words",
    [
        "We are a debt collector attempting to collect a debt and any information obtained "
        "will be used for that purpose.",
        "this is an ATTEMPT to collect a debt; any information obtained will be used for "
        "this purpose",
    ],
)
def test_the_mini_miranda_may_be_worded_a_little_differently(words: str) -> None:
    assert _sms(words + " Text STOP to end").ok


def test_a_later_communication_needs_the_debt_collector_line() -> None:
    refused = _sms("Hello {{ opt_out.sms }}", first_communication=False)
    assert _only(refused) == (
        "body: every later communication must say it is from a debt collector "
        "(FDCPA 807(11)), in English, e.g. {{ disclosure.debt_collector }}"
    )
    passed = _sms("This message is from a debt collector. Reply STOP", first_communication=False)
    assert passed.ok
    assert passed.traits == Traits(
        full_mini_miranda=False,
        debt_collector_line=True,
        opt_out_instruction=True,
        threatens_suit=False,
    )
    spanish = _sms(
        "Esta comunicación es de un cobrador de deudas. Responda STOP",
        "es",
        first_communication=False,
    )
    assert spanish.ok
    assert _sms(MM + " {{ opt_out.sms }}", first_communication=False).ok


def test_a_disclosure_inside_an_if_does_not_count() -> None:
    body = "{% if case.original_creditor %}" + MM + "{% endif %} {{ opt_out.sms }}"
    assert _only(_sms(body)).endswith(
        "; it is inside an {% if %}: it must be said whatever the values"
    )
    inline = "{{ disclosure.mini_miranda if today else '' }} {{ opt_out.sms }}"
    assert "inside an {% if %}" in _only(_sms(inline))


def test_the_default_filter_cannot_hide_a_disclosure() -> None:
    body = "{{ consumer.first_name | default(disclosure.mini_miranda, true) }} {{ opt_out.sms }}"
    assert "must say it is an attempt to collect a debt" in _only(_sms(body))


def test_every_body_of_an_email_needs_the_disclosure() -> None:
    parts = replace(GOOD["email", "en"], body="Hi. Stop: {{ opt_out.email_link }}")
    assert _only(_check(parts, "email")).startswith(
        "body: a template that may be a first communication must say"
    )


@pytest.mark.parametrize(
    "hiding",
    [
        "<!-- " + MM + " -->",
        "<head><title>" + MM + "</title></head>",
        "<style>/* " + MM + " */</style>",
        '<div style="display: none">' + MM + "</div>",
        '<p style="color:red;VISIBILITY:hidden">' + MM + "</p>",
        '<span style="font-size:0px">' + MM + "</span>",
        "<div hidden><p>" + MM + "</p></div>",
        "<div hidden><div></div>" + MM + "</div>",
    ],
)
def test_html_must_show_the_disclosure_where_the_reader_sees_it(hiding: str) -> None:
    parts = replace(GOOD["email", "en"], html=hiding + "<p>" + LINK + "</p>")
    assert _only(_check(parts, "email")) == (
        "html: a template that may be a first communication must say it is an attempt to "
        "collect a debt and that any information obtained will be used for that purpose "
        "(FDCPA 807(11)), in English, e.g. {{ disclosure.mini_miranda }} in text the "
        "reader sees"
    )


def test_html_after_a_hidden_element_is_seen() -> None:
    html = '<div style="display:none">preheader</div><p>' + MM + "</p>" + LINK
    assert _check(replace(GOOD["email", "en"], html=html), "email").ok
    assert _check(
        replace(GOOD["email", "en"], html="<p style='font-size:10px'>" + MM + LINK), "email"
    ).ok


# Opt-out ----------------------------------------------------------------------------


def test_a_text_must_say_how_to_opt_out() -> None:
    checked = _sms(MM + " Call us.")
    assert _only(checked) == (
        "body: a text must tell how to opt out, e.g. 'Reply STOP to opt out.' or "
        "{{ opt_out.sms }} (Reg F 1006.6(e))"
    )
    assert checked.traits is not None
    assert not checked.traits.opt_out_instruction


@pytest.mark.parametrize(
    ("words", "language"),
    [
        ('Reply "STOP" to opt out', "en"),
        ("text stop to quit", "en"),
        ("Reply with CANCEL", "en"),
        ("Envíe STOP para cancelar", "es"),
        ("Responda STOP", "es"),
        ("Conteste con STOP", "es"),
    ],
)
def test_opt_out_wordings(words: str, language: Language) -> None:
    assert _sms(MM + " " + words, language).ok


def test_an_opt_out_inside_an_if_does_not_count() -> None:
    body = MM + "{% if case.original_creditor %} {{ opt_out.sms }}{% endif %}"
    assert _only(_sms(body)).endswith(
        "; it is inside an {% if %}: it must be said whatever the values"
    )


def test_an_email_needs_the_opt_out_link_in_both_bodies() -> None:
    good = GOOD["email", "en"]
    no_text_link = replace(good, body="Dear {{ consumer.first_name }}, " + MM)
    assert _only(_check(no_text_link, "email")) == (
        "body: an e-mail must carry the opt-out link {{ opt_out.email_link }} (Reg F 1006.6(e))"
    )
    html_problem = (
        'html: an e-mail must carry the opt-out link, <a href="{{ opt_out.email_link }}">'
        "…</a>, where the reader sees it (Reg F 1006.6(e))"
    )
    for html in (
        "<p>" + MM + "</p><p>Unsubscribe: {{ opt_out.email_link }}</p>",  # not a link
        "<p>" + MM + '</p><!-- <a href="{{ opt_out.email_link }}">x</a> -->',
        "<p>" + MM + '</p><a href="{{ opt_out.email_link }}"> </a>',  # nothing to click
        "<p>" + MM + '</p><div hidden><a href="{{ opt_out.email_link }}">x</a></div>',
        "<p>" + MM + "</p>",
    ):
        checked = _check(replace(good, html=html), "email")
        assert _only(checked) == html_problem, html
        assert checked.traits is not None
        assert not checked.traits.opt_out_instruction


def test_the_opt_out_link_must_be_the_variable() -> None:
    written = replace(
        GOOD["email", "en"],
        body=MM + " https://pay.acme-recovery.example/o/SAMPLE-OPT-OUT",
    )
    assert _only(_check(written, "email")).startswith("body: an e-mail must carry the opt-out link")


def test_an_email_link_inside_an_if_does_not_count() -> None:
    parts = replace(
        GOOD["email", "en"],
        body=MM + "{% if today %} {{ opt_out.email_link }}{% endif %}",
    )
    assert _only(_check(parts, "email")).endswith(
        "; it is inside an {% if %}: it must be there whatever the values"
    )


def test_letters_and_calls_need_no_opt_out() -> None:
    assert _check(TemplateParts(body=MM), "letter").ok
    assert _check(TemplateParts(body=MM), "voice").ok


# Threats of suit --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "named"),
    [
        ("If you do not pay we will sue.", "'sue' threatens"),
        ("We may take LEGAL ACTION or garnish your wages", "'legal action', 'garnish' threaten"),
        ("A lawsuit and a judgment may follow.", "'lawsuit', 'judgment' threaten"),
        ("Your account will be referred to our attorney.", "'referred to our attorney'"),
        ("Podemos demandarle ante el tribunal", "'demandarle', 'tribunal' threaten"),
        ("Habrá un embargo de su salario.", "'embargo' threatens"),
        ("Tomaremos acción legal.", "'accion legal' threatens"),
    ],
)
def test_suit_threats_are_refused_with_the_words_named(words: str, named: str) -> None:
    checked = _sms(MM + " " + words + " Reply STOP")
    message = _only(checked)
    assert message.startswith("body: ")
    assert named in message
    assert message.endswith(
        "suit, and a template may be sent on a time-barred debt (Reg F 1006.26(b)); only a "
        "notice of intent to sue may"
    )
    assert checked.traits is not None
    assert checked.traits.threatens_suit


@pytest.mark.parametrize(
    "words",
    [
        "Please pursue the issue with us.",
        "Thank you for your courtesy.",
        "This is our demand for payment.",
        "Gracias por su cortesía.",
    ],
)
def test_words_that_merely_contain_suit_words_pass(words: str) -> None:
    assert _sms(MM + " " + words + " Reply STOP").ok


def test_suit_words_count_in_every_branch_and_in_the_subject() -> None:
    body = MM + " {% if case.original_creditor %}Thanks{% else %}We will sue{% endif %} Reply STOP"
    assert "'sue' threatens suit" in _only(_sms(body))
    parts = replace(GOOD["email", "en"], subject="Court date for {{ case.reference }}")
    assert _only(_check(parts, "email")).startswith("subject: 'court' threatens suit")


def test_a_notice_of_intent_to_sue_may_threaten_and_says_so_to_the_gate() -> None:
    parts = TemplateParts(body=MM + " Unless you pay by {{ today }} we will file a lawsuit.")
    checked = _check(parts, "letter", suit_notice=True)
    assert checked.ok
    assert checked.traits is not None
    assert checked.traits.threatens_suit
    derived = checked.traits.gate_template(
        id="suit-notice", title="Notice of intent to sue", channel="letter"
    )
    assert derived == TEMPLATES["suit-notice"]


# Segments ---------------------------------------------------------------------------


def test_segments_are_counted_on_the_sample_rendering() -> None:
    checked = _sms(MM + " {{ opt_out.sms }}")
    assert checked.preview is not None
    assert checked.segments == Segments("GSM-7", len(checked.preview.body), 1, 160)


def test_a_text_over_its_segment_limit_is_refused_naming_why() -> None:
    gsm = _sms(
        MM + " " + "Pay at {{ self_service_link }}. " * 3 + "{{ opt_out.sms }}", sms_segment_limit=1
    )
    assert gsm.segments is not None
    assert gsm.segments.segments == 2
    assert _only(gsm) == (
        f"body: 2 segments (GSM-7, {gsm.segments.characters} septets) with the sample "
        "values is over this template's limit of 1"
    )
    # The Spanish mini-Miranda alone ("información", "propósito") makes a text UCS-2.
    ucs2 = _sms(GOOD["sms", "es"].body, "es", sms_segment_limit=3)
    assert ucs2.segments is not None
    assert ucs2.segments.characters > 3 * 67
    assert _only(ucs2) == (
        f"body: 4 segments (UCS-2 because 'ó' is not in GSM-7, {ucs2.segments.characters} "
        "UTF-16 units) with the sample values is over this template's limit of 3"
    )
    assert _sms(GOOD["sms", "es"].body, "es", sms_segment_limit=4).ok


def test_a_segment_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="sms_segment_limit must be at least 1"):
        _sms(MM, sms_segment_limit=0)


# Everything at once, and templates that do not parse ---------------------------------


def test_problems_come_by_part_and_a_template_that_does_not_parse_has_no_traits() -> None:
    parts = TemplateParts(subject="We will sue", body="Hi", html="<p>Hi</p>")
    fields = [problem.field for problem in _check(parts, "email").problems]
    assert fields == ["subject", "body", "body", "html", "html"]
    broken = _check(TemplateParts(body="{{ consumer.ssn }} {% for x in y %}{% endfor %}"), "sms")
    assert _messages(broken) == [
        "body: line 1: 'consumer.ssn' is not a template variable; consumer has "
        "consumer.first_name, consumer.last_name",
        "body: line 1: loops ({% for %}) are not allowed: every variable is a single value",
    ]
    assert broken.traits is None
    assert broken.preview is None
    assert broken.segments is None


# The gate's traits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate_id", "channel", "parts", "options"),
    [
        ("payment-reminder-sms", "sms", GOOD["sms", "en"], {}),
        ("payment-reminder-email", "email", GOOD["email", "en"], {}),
        ("prerecorded-reminder", "voice", GOOD["voice", "en"], {}),
        (
            "callback-request-sms",
            "sms",
            TemplateParts(body="Please call us back at {{ agency.phone }}."),
            {},
        ),
        (
            "cease-confirmation",
            "email",
            GOOD["email", "es"],
            {"cease_exception": True},
        ),
    ],
)
def test_derived_traits_make_the_gates_templates(
    gate_id: str, channel: Channel, parts: TemplateParts, options: dict[str, bool]
) -> None:
    language: Language = "es" if parts is GOOD["email", "es"] else "en"
    traits = derive_traits(parse_template(parts, channel=channel), language=language)
    gate = TEMPLATES[gate_id]
    derived = traits.gate_template(id=gate.id, title=gate.title, channel=channel, **options)
    assert isinstance(derived, Template)
    expected = replace(gate, channels=frozenset({"call" if channel == "voice" else channel}))
    assert derived == expected


def test_a_later_only_template_is_one_the_gate_blocks_on_a_first_communication() -> None:
    parsed = parse_template(TemplateParts(body=DC + " {{ opt_out.sms }}"), channel="sms")
    traits = derive_traits(parsed, language="en")
    gate = traits.gate_template(id="later", title="Later reminder", channel="sms")
    # US-FDCPA-MINIMIRANDA lets such a template through only after a first contact.
    assert (gate.full_mini_miranda, gate.debt_collector_line) == (False, True)
