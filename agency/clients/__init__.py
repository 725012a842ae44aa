"""Clients (merchants), their contracts, and the merchant portal."""
