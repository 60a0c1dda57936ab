"""The sidebar's library: shelves, search, import, system prompts and presets."""
