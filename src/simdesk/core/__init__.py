"""The pure-Python core of simdesk: cases, the encounter engine, the model runtime and the store.

Nothing below this package imports Qt (an import-linter contract enforces it), so every
capability is usable from the command line and from tests without a display.
"""
