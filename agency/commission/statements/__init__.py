"""A client's statement periods, their statements (lines and totals, the PDF and CSV
files) and the remittance each statement pays (docs/commission.md, "Statements")."""
