"""The model picker: its vars, its rows and the component (assets/models.js drives it)."""
