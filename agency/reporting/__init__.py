"""What the agency reports over the facts the other domains own, read-only: the results
of a strategy experiment by variant (issue 18) and, next, the merchants' partner
reporting (issue 19).  Reporting sits above every domain and no domain imports it."""
