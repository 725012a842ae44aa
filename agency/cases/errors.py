class CaseError(ValueError):
    """A case action that cannot be done; the message says what and where ("field: ...")."""
