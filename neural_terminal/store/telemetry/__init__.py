"""Telemetry in SQL: aggregations over replies, summaries and failures of one owner."""
