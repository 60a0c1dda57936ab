"""Set-up steps run by ``make``: things the app needs on disk before it starts."""
