"""Starting the app: build the frontend only when what it is built from changed, then serve.

``python -m neural_terminal.launch --port 3000`` is what ``make run`` and the browser tests run.
"""
