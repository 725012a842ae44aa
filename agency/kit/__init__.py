"""Shared plumbing only: money, clock, pagination, forms, templates and htmx helpers."""
