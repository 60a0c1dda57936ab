"""Pure values shared by every layer: messages, models, stream chunks, events, errors."""
