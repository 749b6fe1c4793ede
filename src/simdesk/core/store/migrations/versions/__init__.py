"""Revision files: ``learner_NNNN_*.py`` and ``device_NNNN_*.py``."""
