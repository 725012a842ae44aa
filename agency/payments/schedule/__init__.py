"""Arrangements computed exactly (``../shared/payment-schedules.md``): dates, amounts and
the client's authority, the same for every screen, the API and the command."""
