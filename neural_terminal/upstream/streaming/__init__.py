"""A reply as it streams: SSE framing, chunk decoding, deadlines."""
