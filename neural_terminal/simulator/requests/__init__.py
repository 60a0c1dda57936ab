"""What a request asks: its messages, the [[sim:...]] directives, faults, token counts."""
