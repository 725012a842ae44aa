"""US-TCPA-REVOKE: reading consumers' replies generously for "stop", strictly for "start"."""

from __future__ import annotations

import pytest

from agency.compliance.replies import classify_reply


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop ",
        "stop.",
        "STOP!!!",
        "  'stop'  ",
        "Stop\n",
        "QUIT",
        "End",
        "revoke",
        "OPT OUT",
        "opt-out",
        "OptOut",
        "optout",
        "CANCEL",
        "unsubscribe",
        "STOPALL",
        "Stop all",
        "...STOP...",
        "please stop texting me",
        "Please stop",
        "stop it",
        "pls stop",
        "don't text me anymore",
        "Don\u2019t call me again",
        "dont message me",
        "do not contact me",
        "I don't want these messages",
        "leave me alone",
        "no more texts",
        "take me off your list",
        "remove me",
        "wrong number",
        "quit texting me",
        "stop calling",
        "Unsubscribe me please",
        "opt me out",
    ],
)
def test_revocations(text: str) -> None:
    assert classify_reply(text) == "revoke"


@pytest.mark.parametrize("text", ["START", "start", "Unstop", "YES", "yes!", " Yes. "])
def test_opt_ins(text: str) -> None:
    assert classify_reply(text) == "opt_in"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?",
        "I will pay on Friday",
        "can you call me later?",
        "who is this",
        "Thanks",
        "yes please",
        "yes I can pay",
        "End of month I get paid",
        "start a plan",
        "Is the balance correct",
        "OK",
    ],
)
def test_ordinary_replies(text: str) -> None:
    assert classify_reply(text) is None


def test_stop_wins_over_start() -> None:
    assert classify_reply("yes stop") == "revoke"
    assert classify_reply("start? no, STOP") == "revoke"
