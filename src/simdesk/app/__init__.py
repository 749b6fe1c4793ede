"""Application services both front ends call (the window and the command line); no Qt here.

``app.model`` resolves the active model, owns its backend and is the one blocking adapter;
``app.encounter`` plays a consultation with its log saved as it goes. Dependencies point one way:
``ui -> app -> core`` and ``cli -> app -> core`` (import-linter contracts in ``pyproject.toml``).
"""
