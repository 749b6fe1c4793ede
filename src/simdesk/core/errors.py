"""Typed errors. Each names the thing that went wrong and the fix, in words a user can act on."""

from __future__ import annotations

from pathlib import Path


class SimdeskError(Exception):
    """Base of every error simdesk reports to a user.

    ``what`` says what went wrong and names the thing (a file, a case, a model);
    ``fix`` says what the user can do about it.
    """

    def __init__(self, what: str, fix: str, *, path: Path | str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix
        self.path = Path(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.what}\n{self.fix}" if self.fix else self.what


class CaseError(SimdeskError):
    """A case file cannot be read or does not follow the case format."""


class ModelError(SimdeskError):
    """The language model cannot be found, verified, loaded or run."""


class ModelMissing(ModelError):
    """The model file does not exist and cannot be created."""


class ModelCorrupt(ModelError):
    """The model file exists but is damaged, truncated or not a GGUF model."""


class Cancelled(SimdeskError):
    """A long task stopped because the user asked it to."""

    def __init__(self, what: str = "Cancelled.") -> None:
        super().__init__(what, "Nothing was changed. Start it again when you are ready.")


class StoreError(SimdeskError):
    """The encrypted learner store cannot be opened or written."""


class WrongPassphrase(StoreError):
    """The passphrase did not unwrap the profile's key. The database was not touched."""


class ProfileExists(StoreError):
    """A profile of that name already exists."""


class ProfileNotFound(StoreError):
    """No profile of that name exists."""


class ModelCrashed(ModelError):
    """The model's process died or hung; the app goes on and the model restarts when asked."""
