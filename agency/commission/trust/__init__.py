"""The trust account: the clients' money we hold, its ledger per client, the bank's
statement imported and reconciled three ways, and the states' deposit deadlines
(docs/commission.md, "Trust accounting")."""
