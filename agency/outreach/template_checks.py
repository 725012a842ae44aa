"""The save-time checks of an outreach template, and the traits the gate reads from it.

The gate (``agency.compliance``) never reads a message's words; it reads a template's
traits (``agency.compliance.templates.Template``).  Here those traits are derived from
what the template says, rendered with sample variables (so a variable that carries the
words counts), and a template is refused, with each reason named, when it:

- lacks the mini-Miranda (FDCPA 807(11), 12 CFR 1006.18(e)): a template that may be a
  first communication must say it is an attempt to collect a debt and that any
  information obtained will be used for that purpose; one only for later communications
  must at least say it is from a debt collector (the gate then blocks it on a first
  communication, its ``full_mini_miranda`` being False).  In the template's language;
- is a text without an opt-out instruction ("Reply STOP to opt out"), or an e-mail without
  the opt-out link, in the text body and as a link in the HTML body (Reg F 1006.6(e));
- threatens suit (Reg F 1006.26(b): a template may be sent on a time-barred debt), unless
  it is a notice of intent to sue, which carries ``threatens_suit`` so that the gate never
  sends it on a time-barred debt;
- uses anything outside the template variables (``templating``), or
- is a text longer, in segments, than the template's limit.

What must reach every consumer is looked for in the template rendered without its
``{% if %}`` blocks (``render_unconditional``), and in an HTML body only in the text a
reader sees: not in comments, ``<head>``, ``<style>``/``<script>``, nor in elements hidden
by ``hidden`` or an inline style (``display:none``, ``visibility:hidden``, ``font-size:0``,
``opacity:0``, ``mso-hide:all``).  Suit words count anywhere, shown or not.  Matching
ignores case, accents, punctuation and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Final

from agency.compliance.facts import AttemptChannel
from agency.compliance.templates import Template
from agency.outreach.segments import Segments, count_segments
from agency.outreach.templating import (
    SAMPLE_OPT_OUT_LINK,
    Channel,
    Language,
    ParsedTemplate,
    Part,
    Problem,
    RenderedParts,
    TemplateParts,
    TemplateProblem,
    parse_template,
    render,
    render_unconditional,
    sample_variables,
)

GATE_CHANNEL: Final[Mapping[Channel, AttemptChannel]] = MappingProxyType(
    {"sms": "sms", "email": "email", "letter": "letter", "voice": "call"}
)
"""The gate's name for each template channel (a voice script is read on a call)."""

_LANGUAGE_NAMES: Final[Mapping[Language, str]] = MappingProxyType(
    {"en": "English", "es": "Spanish"}
)

# Patterns over normalized text: case-folded, accents and punctuation gone, words
# separated by single spaces.
_MINI_MIRANDA: Final[Mapping[Language, re.Pattern[str]]] = MappingProxyType(
    {
        "en": re.compile(
            r"\battempt(?:ing)? to collect (?:a|the|this) debt (?:and )?any information "
            r"(?:obtained |we obtain )?will be used for (?:that|this) purpose\b"
        ),
        "es": re.compile(
            r"\b(?:intento de|intentando|intenta) (?:cobrar|cobro de) (?:una|la|esta) deuda "
            r"(?:y )?(?:cualquier|toda) (?:la )?informacion (?:obtenida |que obtengamos )?"
            r"(?:sera (?:utilizada|usada)|se (?:utilizara|usara)) (?:para|con) "
            r"(?:ese|este|dicho) (?:proposito|fin)\b"
        ),
    }
)
_DEBT_COLLECTOR: Final[Mapping[Language, re.Pattern[str]]] = MappingProxyType(
    {
        "en": re.compile(r"\b(?:from a|we are a|is a) debt collector\b"),
        "es": re.compile(
            r"\b(?:de|es|somos) (?:un cobrador de deudas|una agencia de cobranzas?|"
            r"un agente de cobranzas?)\b"
        ),
    }
)
_STOP_WORDS = r"(?:stop|stopall|end|cancel|quit|unsubscribe|optout|opt out|revoke)"
_SMS_OPT_OUT: Final = re.compile(
    r"\b(?:reply|text|txt|send|respond|answer|responda|responde|conteste|contesta|envie|"
    r"envia|mande|manda|escriba|escribe)(?: with| con)? " + _STOP_WORDS + r"\b"
)
# Threats of suit, English and Spanish (normalized: no accents), checked in every template
# whatever its language.  Each is a regular expression matched as whole words.
SUIT_WORDS: Final[tuple[str, ...]] = (
    r"sue|sues|sued|suing|lawsuits?",
    r"(?:file|filing|filed|bring|brought) (?:a )?suit",
    r"legal (?:action|actions|proceedings?|steps)",
    r"courts?|judge?ments?|garnish\w*|liens?|levy|litigat\w*|seize|seizure|subpoena\w*",
    r"(?:refer|referred|referring|forward|forwarded|send|sent|turn|turned) (?:\w+ ){0,3}"
    r"(?:to|over to) (?:an |our |a )?(?:attorney|lawyer|law firm)s?",
    r"demanda(?:s|do|da|r|rlo|rla|rle|rles|rlos|ra|ran|remos|ria|rian)?",
    r"acci(?:on|ones) (?:legal|legales|judicial|judiciales)",
    r"(?:proceso|procedimiento) judicial",
    r"tribunal(?:es)?|corte|juicio|juzgado|sentencia|embarg\w*|gravamen|litigio",
    r"(?:remitir|enviar|enviaremos|remitiremos|turnar|turnaremos) (?:\w+ ){0,3}a "
    r"(?:un |nuestro |nuestros |una )?(?:abogados?|bufete)",
)
_SUIT: Final = re.compile(r"\b(?:" + "|".join(SUIT_WORDS) + r")\b")

_HIDDEN_TAGS = frozenset({"head", "title", "style", "script", "template"})
_VOID_TAGS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|"
    r"opacity\s*:\s*0(?![.\d]*[1-9])|mso-hide\s*:\s*all",
    re.IGNORECASE,
)


def normalize(text: str) -> str:
    """``text`` as the checks match it: case-folded, accents dropped, every run of
    punctuation and spacing one space.  "Reply 'STOP'!" -> "reply stop"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[^\W_]+", bare.casefold()))


class _Reader(HTMLParser):
    """The text a reader of an HTML body sees, and the links they can click."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden_tag: str | None = None
        self._hidden_depth = 0
        self._anchor: str | None = None
        self._anchor_seen = False

    def _hides(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _HIDDEN_TAGS:
            return True
        for name, value in attrs:
            if name == "hidden" or (name == "style" and _HIDING_STYLE.search(value or "")):
                return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden_tag is not None:
            if tag == self._hidden_tag:
                self._hidden_depth += 1
            return
        if tag in _VOID_TAGS:
            if tag == "img" and self._anchor is not None:
                self._anchor_seen = True  # a clickable image
            return
        if self._hides(tag, attrs):
            self._hidden_tag, self._hidden_depth = tag, 1
            return
        if tag == "a":
            self._close_anchor()
            self._anchor = dict(attrs).get("href") or None
            self._anchor_seen = False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden_tag is None and tag == "img" and self._anchor is not None:
            self._anchor_seen = True

    def handle_endtag(self, tag: str) -> None:
        if self._hidden_tag is not None:
            if tag == self._hidden_tag:
                self._hidden_depth -= 1
                if self._hidden_depth == 0:
                    self._hidden_tag = None
            return
        if tag == "a":
            self._close_anchor()

    def handle_data(self, data: str) -> None:
        if self._hidden_tag is not None:
            return
        self.text.append(data)
        if self._anchor is not None and data.strip():
            self._anchor_seen = True

    def _close_anchor(self) -> None:
        if self._anchor is not None and self._anchor_seen:
            self.links.append(self._anchor)
        self._anchor, self._anchor_seen = None, False

    def close(self) -> None:
        super().close()
        self._close_anchor()


@dataclass(frozen=True, slots=True)
class _Seen:
    """One part as the consumer gets it: the words they read, the links they can follow."""

    text: str
    links: tuple[str, ...]


def _seen(part: Part, rendered: str) -> _Seen:
    if part != "html":
        return _Seen(normalize(rendered), ())
    reader = _Reader()
    reader.feed(rendered)
    reader.close()
    return _Seen(normalize(" ".join(reader.text)), tuple(reader.links))


def _message_parts(rendered: RenderedParts) -> Iterator[tuple[Part, str]]:
    """The parts that are the message itself (a subject is not): the text body and the
    HTML body, either of which a consumer's mail program may show."""
    for part, text in rendered.present():
        if part != "subject":
            yield part, text


@dataclass(frozen=True, slots=True)
class Traits:
    """What the gate reads from a template, derived from what it says.  The other
    fields of the gate's Template (cease exception, validation notice, verification,
    opt-out confirmation) say what a template is for: the template's owner sets them."""

    full_mini_miranda: bool
    debt_collector_line: bool
    opt_out_instruction: bool
    threatens_suit: bool

    def gate_template(
        self,
        *,
        id: str,
        title: str,
        channel: Channel,
        cease_exception: bool = False,
        validation_notice: bool = False,
        debt_verification: bool = False,
        opt_out_confirmation: bool = False,
    ) -> Template:
        """The template as the gate knows it (``agency.compliance.templates.Template``)."""
        return Template(
            id=id,
            title=title,
            channels=frozenset({GATE_CHANNEL[channel]}),
            full_mini_miranda=self.full_mini_miranda,
            debt_collector_line=self.debt_collector_line,
            opt_out_instruction=self.opt_out_instruction,
            threatens_suit=self.threatens_suit,
            cease_exception=cease_exception,
            validation_notice=validation_notice,
            debt_verification=debt_verification,
            opt_out_confirmation=opt_out_confirmation,
        )


@dataclass(frozen=True, slots=True)
class _Reading:
    """A parsed template read for the checks: its parts as seen with sample values
    (all of it, and what is left without its conditions), and the suit words in it."""

    full: Mapping[Part, _Seen]
    always: Mapping[Part, _Seen]
    suit_words: Mapping[Part, tuple[str, ...]]
    rendered: RenderedParts


def _suit_words(*texts: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for text in texts:
        for match in _SUIT.finditer(normalize(text)):
            found.setdefault(match.group(0), None)
    return tuple(found)


def _read(parsed: ParsedTemplate, language: Language) -> _Reading:
    variables = sample_variables(language)
    rendered = render(parsed, variables)
    always = render_unconditional(parsed, variables)
    sources = dict(parsed.source.present())
    return _Reading(
        full={part: _seen(part, text) for part, text in _message_parts(rendered)},
        always={part: _seen(part, text) for part, text in _message_parts(always)},
        suit_words={part: _suit_words(sources[part], text) for part, text in rendered.present()},
        rendered=rendered,
    )


def _has_link(parsed: ParsedTemplate, part: Part, seen: _Seen) -> bool:
    if "opt_out.email_link" not in parsed.variables.get(part, frozenset()):
        return False
    if part == "html":
        return SAMPLE_OPT_OUT_LINK in seen.links
    return normalize(SAMPLE_OPT_OUT_LINK) in seen.text


def _traits(parsed: ParsedTemplate, language: Language, reading: _Reading) -> Traits:
    always = reading.always
    full = all(_MINI_MIRANDA[language].search(seen.text) for seen in always.values())
    line = all(
        _DEBT_COLLECTOR[language].search(seen.text) or _MINI_MIRANDA[language].search(seen.text)
        for seen in always.values()
    )
    if parsed.channel == "sms":
        opt_out = bool(_SMS_OPT_OUT.search(always["body"].text))
    elif parsed.channel == "email":
        opt_out = all(_has_link(parsed, part, seen) for part, seen in always.items())
    else:
        opt_out = False
    return Traits(
        full_mini_miranda=full,
        debt_collector_line=line,
        opt_out_instruction=opt_out,
        threatens_suit=any(reading.suit_words.values()),
    )


def derive_traits(parsed: ParsedTemplate, *, language: Language) -> Traits:
    """The gate's traits of ``parsed`` in ``language``.

    ``full_mini_miranda`` and ``debt_collector_line`` hold when every body (text and
    HTML) says them whatever the values; the full mini-Miranda counts as the line too,
    as the gate reads it.  ``opt_out_instruction``: a text's STOP instruction, an
    e-mail's opt-out link in every body; False for letters and calls, which Reg F
    1006.6(e) does not cover.  ``threatens_suit``: any suit word in any part.
    TemplateProblem when a part renders past its bound."""
    return _traits(parsed, language, _read(parsed, language))


@dataclass(frozen=True, slots=True)
class Checked:
    """A template's save-time check: the problems (none: it may be saved), its traits
    (None when it did not parse), its sample rendering and, for a text, its segments."""

    problems: tuple[Problem, ...]
    traits: Traits | None
    preview: RenderedParts | None
    segments: Segments | None

    @property
    def ok(self) -> bool:
        return not self.problems


def _in_language(message: str, language: Language) -> str:
    return f"{message}, in {_LANGUAGE_NAMES[language]}"


def _disclosure_problems(
    reading: _Reading, language: Language, *, first_communication: bool
) -> list[Problem]:
    problems: list[Problem] = []
    if first_communication:
        pattern, variable = _MINI_MIRANDA[language], "disclosure.mini_miranda"
        what = (
            "a template that may be a first communication must say it is an attempt to "
            "collect a debt and that any information obtained will be used for that "
            "purpose (FDCPA 807(11))"
        )
    else:
        pattern, variable = _DEBT_COLLECTOR[language], "disclosure.debt_collector"
        what = "every later communication must say it is from a debt collector (FDCPA 807(11))"
    for part, seen in reading.always.items():
        if pattern.search(seen.text) or (
            not first_communication and _MINI_MIRANDA[language].search(seen.text)
        ):
            continue
        message = _in_language(what, language) + f", e.g. {{{{ {variable} }}}}"
        if pattern.search(reading.full[part].text):
            message += "; it is inside an {% if %}: it must be said whatever the values"
        elif part == "html":
            message += " in text the reader sees"
        problems.append(Problem(part, message))
    return problems


def _opt_out_problems(parsed: ParsedTemplate, reading: _Reading) -> list[Problem]:
    if parsed.channel == "sms":
        if _SMS_OPT_OUT.search(reading.always["body"].text):
            return []
        message = (
            "a text must tell how to opt out, e.g. 'Reply STOP to opt out.' or "
            "{{ opt_out.sms }} (Reg F 1006.6(e))"
        )
        if _SMS_OPT_OUT.search(reading.full["body"].text):
            message += "; it is inside an {% if %}: it must be said whatever the values"
        return [Problem("body", message)]
    if parsed.channel != "email":
        return []
    problems: list[Problem] = []
    for part, seen in reading.always.items():
        if _has_link(parsed, part, seen):
            continue
        if part == "html":
            message = (
                'an e-mail must carry the opt-out link, <a href="{{ opt_out.email_link }}">'
                "…</a>, where the reader sees it (Reg F 1006.6(e))"
            )
        else:
            message = (
                "an e-mail must carry the opt-out link {{ opt_out.email_link }} (Reg F 1006.6(e))"
            )
        if _has_link(parsed, part, reading.full[part]):
            message += "; it is inside an {% if %}: it must be there whatever the values"
        problems.append(Problem(part, message))
    return problems


def _suit_problems(reading: _Reading) -> list[Problem]:
    return [
        Problem(
            part,
            ", ".join(f"'{word}'" for word in words)
            + (" threatens" if len(words) == 1 else " threaten")
            + " suit, and a template may be sent on a time-barred debt (Reg F 1006.26(b)); "
            "only a notice of intent to sue may",
        )
        for part, words in reading.suit_words.items()
        if words
    ]


def _segment_problems(segments: Segments, limit: int | None) -> list[Problem]:
    if limit is None or segments.segments <= limit:
        return []
    if segments.non_gsm is None:
        how = f"GSM-7, {segments.characters} septets"
    else:
        how = (
            f"UCS-2 because '{segments.non_gsm}' is not in GSM-7, "
            f"{segments.characters} UTF-16 units"
        )
    return [
        Problem(
            "body",
            f"{segments.segments} segments ({how}) with the sample values is over this "
            f"template's limit of {limit}",
        )
    ]


def check_template(
    parts: TemplateParts,
    *,
    channel: Channel,
    language: Language,
    first_communication: bool = True,
    suit_notice: bool = False,
    sms_segment_limit: int | None = None,
) -> Checked:
    """Every reason ``parts`` may not be saved as a ``channel`` template in ``language``.

    ``first_communication``: the template may be the first communication about a debt
    (the default), so it needs the full mini-Miranda; False for a template only for
    later ones, which needs the debt-collector line.  ``suit_notice``: the template is a
    notice of intent to sue; its suit words are allowed (its ``threatens_suit`` trait
    keeps it off time-barred debts at the gate).  ``sms_segment_limit``: the most
    segments a text may take with the sample values (None: no limit)."""
    if sms_segment_limit is not None and sms_segment_limit < 1:
        raise ValueError("sms_segment_limit must be at least 1")
    try:
        parsed = parse_template(parts, channel=channel)
        reading = _read(parsed, language)
    except TemplateProblem as exc:
        return Checked(problems=exc.problems, traits=None, preview=None, segments=None)
    problems = _disclosure_problems(reading, language, first_communication=first_communication)
    problems += _opt_out_problems(parsed, reading)
    if not suit_notice:
        problems += _suit_problems(reading)
    segments = count_segments(reading.rendered.body) if channel == "sms" else None
    if segments is not None:
        problems += _segment_problems(segments, sms_segment_limit)
    order: dict[str, int] = {"subject": 0, "body": 1, "html": 2}
    problems.sort(key=lambda problem: order[problem.field])
    return Checked(
        problems=tuple(problems),
        traits=_traits(parsed, language, reading),
        preview=reading.rendered,
        segments=segments,
    )
