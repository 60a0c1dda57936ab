"""Telemetry: the page's figures, the metrics endpoint, turn logs and the account's credit."""
