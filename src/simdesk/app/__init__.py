"""Application services both front ends call (the window and the command line); no Qt here.

``app.session`` is who is signed in (profile, store, the attempt in play, auto-lock);
``app.model`` resolves the active model, owns its backend and is the one blocking adapter;
``app.encounter`` plays a consultation with its log saved as it goes. Dependencies point one way:
``ui -> app -> core`` and ``cli -> app -> core`` (import-linter contracts in ``pyproject.toml``).
"""
