"""Neural Terminal: a browser chat terminal for people who pay per token."""
