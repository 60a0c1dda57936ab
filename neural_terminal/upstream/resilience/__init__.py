"""Trying again: the retry policy and the circuit breaker."""
