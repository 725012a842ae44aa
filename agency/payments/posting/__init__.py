"""Payments posted against a case and allocated across its balance buckets, and their
reversals (NSF, returned ACH, chargeback, correction), each its own record."""
