"""The pooled HTTP client and the sockets under it."""
