"""The telemetry page and the credit figure in the header."""
