"""Consumers, their contact points, and cases (one referred debt for one client)."""
