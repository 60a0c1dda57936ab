"""The Reflex layer: thin State classes, components and the page."""
