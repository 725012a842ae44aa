"""The payments domain's queries, one module per area (``arrangements``, …)."""
