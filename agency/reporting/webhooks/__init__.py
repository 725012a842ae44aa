"""Webhooks to merchants: endpoints a client registers, the events it chooses, each
delivery signed, logged and retried from an outbox (``docs/reporting.md``)."""
