"""Contingency commission: the rate a contract's fee schedule gives each payment, the
commission entries, statements and remittance, and the trust money behind them."""
