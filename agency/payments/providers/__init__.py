"""Where money is taken: staff posting by hand, Stripe (PaymentIntents and webhooks), and
a sandbox that behaves like Stripe's test cards when no keys are set."""
