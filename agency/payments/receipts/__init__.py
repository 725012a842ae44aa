"""Plan confirmations and payment receipts: sent through outreach's channels and kept as
a PDF on the case."""
