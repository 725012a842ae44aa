"""What a consumer's text reply means for consent (US-TCPA-REVOKE).

FCC 24-24 (47 CFR 64.1200(a)(10)-(12)): a reply of STOP, QUIT, END, REVOKE, OPT OUT,
CANCEL or UNSUBSCRIBE — or any other reasonable way of saying "stop" — revokes consent for
that number at once.  So this is generous for revocation (a wrongly read "stop" costs a
text; a missed one breaks the law) and conservative for opting back in: only a reply that
is exactly START, UNSTOP or YES (any case, punctuation and spaces around it ignored)
opts in, and anything that also asks to stop is a revocation.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

ReplyMeaning = Literal["revoke", "opt_in"]

REVOKE_KEYWORDS = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "quit",
        "end",
        "revoke",
        "opt out",
        "optout",
        "opt-out",
        "cancel",
        "unsubscribe",
        "unsub",
        "remove",
        "remove me",
    }
)
OPT_IN_KEYWORDS = frozenset({"start", "unstop", "yes"})

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
_OBJECT = (
    r"(?:text\w*|txt\w*|sms|messag\w*|msg\w*|call\w*|ring\w*|phon\w*|email\w*|e-mail\w*"
    r"|contact\w*|bother\w*|harass\w*|hassl\w*|pester\w*|spam\w*)"
)
_PLAIN_STOP = re.compile(
    "|".join(
        (
            r"\bstop(?:all)?\b",  # "stop", "pls stop", "STOP IT", "stop texting me"
            r"\bunsubscribe\b",
            r"\bopt[\s-]*(?:me\s+)?out\b",
            r"\brevoke\b",
            rf"\b(?:quit|end|cease|cancel|halt)\b(?:\s+\w+){{0,3}}\s+{_OBJECT}",
            rf"\b(?:don'?t|do\s+not|dont|never|no\s+longer|quit|not)\b(?:\s+\w+){{0,4}}\s+{_OBJECT}",
            rf"\bno\s+more\s+{_OBJECT}",
            r"\bleave\s+me\s+alone\b",
            r"\b(?:take|remove|delete)\s+(?:me|my\s+(?:number|name|email))\b",
            r"\bwrong\s+(?:number|person)\b",
            r"\bnot\s+(?:me|my\s+(?:number|debt))\b",
            r"\bgo\s+away\b",
        )
    )
)


def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("\u2019", "'").replace("\u2018", "'")
    return _SPACES.sub(" ", _EDGES.sub("", folded.strip()))


def classify_reply(text: str) -> ReplyMeaning | None:
    """``"revoke"``, ``"opt_in"`` or None (an ordinary reply) for a consumer's text."""
    normalized = _normalize(text)
    if not normalized:
        return None
    if normalized in OPT_IN_KEYWORDS:
        return "opt_in"
    if normalized in REVOKE_KEYWORDS or _PLAIN_STOP.search(normalized):
        return "revoke"
    return None
