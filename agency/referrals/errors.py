"""Why a referral file cannot be read, or a placement cannot go ahead."""

from __future__ import annotations


class Unreadable(Exception):
    """The file cannot be read at all, or is beyond the limits of what a referral file can
    be; the message is one line, for a person, and names no personal data."""


class IntakeError(Exception):
    """The placement cannot go ahead; the message says why, for a person."""
