"""Encrypted, signed, durable escalation of a consented request to the partner NGO."""
