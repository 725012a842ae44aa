"""The consumer's own page, reached by a signed, expiring, revocable link: an identity
check, then the balance, paying, a plan, a dispute and stopping a channel."""
