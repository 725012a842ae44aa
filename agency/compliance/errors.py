"""The compliance domain's error: input it cannot accept, worded "field: what is wrong"."""


class ComplianceError(ValueError):
    """Input the compliance service cannot accept; the message says what and where."""
