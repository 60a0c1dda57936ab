"""How a reply is made and sent: completions, the text, chunks and the stream."""
