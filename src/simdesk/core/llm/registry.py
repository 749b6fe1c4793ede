"""The model registry: which GGUF models simdesk knows, which one runs, importing and removing.

The bundled registry (``models/models.toml`` in the project) lists the default model. Models a
user imports are copied into the data folder's ``models/`` and listed in a ``models.toml`` there,
in the same format; that file also records which model is active.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import tomli_w

from simdesk.core.errors import ModelCorrupt, ModelError, ModelMissing
from simdesk.core.files import atomic_write
from simdesk.core.llm.gguf_info import GgufInfo, read_gguf_info
from simdesk.core.llm.machine import MIB, available_ram_mb
from simdesk.core.llm.model_files import (
    ensure_default_model,
    sha256_file,
    verify_file,
    write_verified_stamp,
)
from simdesk.core.llm.prompt import DEFAULT_CONTEXT
from simdesk.core.paths import Locations, bundle_root, project_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KINDS = ("auto", "base", "instruct")
REGISTRY_FILE = "models.toml"
# Memory beyond the file itself: KV cache, compute buffers and the app (measured ~300 MB at 270M).
RUNTIME_OVERHEAD_MB = 400


class ModelTooLarge(ModelError):
    """The model needs more memory than the machine has free."""


@dataclass(frozen=True)
class ModelEntry:
    """One model in a registry."""

    name: str
    file: str
    sha256: str
    kind: str = "auto"
    context: int = DEFAULT_CONTEXT
    licence: str = ""
    min_ram_mb: int = 0
    recommended_use: str = ""
    package: str = ""
    bundled: bool = False

    def required_ram_mb(self, path: Path) -> int:
        """Free memory this model needs: its registry figure, or file size plus overhead."""
        from_file = path.stat().st_size // MIB + RUNTIME_OVERHEAD_MB if path.exists() else 0
        return max(self.min_ram_mb, from_file)


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load: its verified file, its effective kind and context size."""

    entry: ModelEntry
    path: Path
    info: GgufInfo
    kind: str
    n_ctx: int


@dataclass(frozen=True)
class Registry:
    entries: tuple[ModelEntry, ...]
    active_name: str

    def get(self, name: str) -> ModelEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in self.entries) or "none"
        raise ModelMissing(
            f"No model named '{name}' is registered (known: {known}).",
            "Run `simdesk models list` to see the names, or `simdesk models import PATH`.",
        )

    @property
    def active(self) -> ModelEntry:
        return self.get(self.active_name)


def bundled_registry_path() -> Path:
    bundle = bundle_root()
    if bundle is not None:
        return bundle / "models" / REGISTRY_FILE
    root = project_root()
    base = root if root is not None else Path(__file__).resolve().parents[3]
    return base / "models" / REGISTRY_FILE


def user_registry_path(locations: Locations) -> Path:
    return locations.models / REGISTRY_FILE


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(
            f"The model registry {path} cannot be read: {exc}",
            "Fix the file by hand (it is TOML; see models/README.md) or delete it and import "
            "your models again.",
            path=path,
        ) from exc


def _entries(path: Path, data: dict, *, bundled: bool) -> list[ModelEntry]:
    entries = []
    fields = set(ModelEntry.__dataclass_fields__) - {"bundled"}
    for number, raw in enumerate(data.get("model", []), start=1):
        unknown = set(raw) - fields
        missing = {"name", "file", "sha256"} - set(raw)
        if unknown or missing or raw.get("kind", "auto") not in KINDS:
            problem = (
                f"unknown field(s) {sorted(unknown)}" if unknown
                else f"missing field(s) {sorted(missing)}" if missing
                else f"kind must be one of {', '.join(KINDS)}"
            )  # fmt: skip
            raise ModelError(
                f"Model entry {number} in {path} is invalid: {problem}.",
                "Fix the entry by hand; models/README.md lists the fields.",
                path=path,
            )
        entries.append(ModelEntry(**raw, bundled=bundled))
    return entries


def load_registry(locations: Locations) -> Registry:
    """The bundled entries, then the user's; the active model is the user's choice or default."""
    bundled_path, user_path = bundled_registry_path(), user_registry_path(locations)
    bundled = _read_toml(bundled_path)
    user = _read_toml(user_path)
    entries = _entries(bundled_path, bundled, bundled=True) + _entries(
        user_path, user, bundled=False
    )
    active = user.get("active") or bundled.get("default") or (entries[0].name if entries else "")
    if active not in {e.name for e in entries}:
        active = bundled.get("default", "")
    return Registry(tuple(entries), active)


def _write_user_registry(locations: Locations, entries: list[ModelEntry], active: str) -> None:
    """Write the user's ``models.toml`` atomically (a crash leaves the old file or the new)."""
    models = [
        {k: v for k, v in asdict(entry).items() if k != "bundled" and v not in ("", 0)}
        for entry in entries
    ]
    data = {"active": active, "model": models} if active else {"model": models}
    text = "# Models imported with `simdesk models import`. Edit by hand with care.\n\n"
    atomic_write(user_registry_path(locations), (text + tomli_w.dumps(data)).encode(),
                 mode=0o644)  # fmt: skip


def _user_entries(registry: Registry) -> list[ModelEntry]:
    return [e for e in registry.entries if not e.bundled]


def _user_active(locations: Locations) -> str:
    return _read_toml(user_registry_path(locations)).get("active", "")


def model_path(entry: ModelEntry, locations: Locations) -> Path:
    return locations.models / entry.file


def ensure_model_file(entry: ModelEntry, locations: Locations) -> Path:
    """The entry's file, assembled if it comes from a package, its sha256 checked."""
    if entry.package:
        return ensure_default_model(locations.models)
    path = model_path(entry, locations)
    if not path.exists():
        raise ModelMissing(
            f"The model file {path} for '{entry.name}' is missing.",
            f"Import it again with `simdesk models import PATH`, or remove the entry with "
            f"`simdesk models remove {entry.name}`.",
            path=path,
        )
    verify_file(
        path, entry.sha256,
        fix=f"Import the model again from a good copy (`simdesk models remove {entry.name}`, "
        "then `simdesk models import PATH`).",
    )  # fmt: skip
    return path


def effective_kind(entry: ModelEntry, info: GgufInfo) -> str:
    """The registry's kind, or, for ``auto``, instruct when the file carries a chat template."""
    if entry.kind != "auto":
        return entry.kind
    return "instruct" if info.chat_template else "base"


def check_fits_in_ram(entry: ModelEntry, path: Path, free_mb: int | None = None) -> None:
    """Raise :class:`ModelTooLarge` if the model needs more memory than is free now."""
    free_mb = available_ram_mb() if free_mb is None else free_mb
    needed = entry.required_ram_mb(path)
    if needed > free_mb:
        raise ModelTooLarge(
            f"The model '{entry.name}' needs about {needed} MB of memory but only {free_mb} MB "
            "is free.",
            "Close other programs, or choose a smaller model with `simdesk models use NAME`.",
            path=path,
        )


def _inspect(entry: ModelEntry, path: Path) -> ResolvedModel:
    info = read_gguf_info(path)
    if info.chat_template:  # the template needs the text of BOS and EOS from the vocabulary
        info = read_gguf_info(path, read_vocabulary=True)
    check_fits_in_ram(entry, path)
    trained = info.context_length or entry.context
    return ResolvedModel(
        entry, path, info, effective_kind(entry, info), min(entry.context, trained)
    )


def resolve_model(entry: ModelEntry, locations: Locations) -> ResolvedModel:
    """Find, verify and inspect a model before loading it; refuse one too large for free RAM."""
    return _inspect(entry, ensure_model_file(entry, locations))


def resolve_file(
    path: Path, *, context: int = DEFAULT_CONTEXT, kind: str = "auto"
) -> ResolvedModel:
    """A model file outside the registry (tests, benchmarks): inspected, not hash-checked."""
    entry = ModelEntry(name=path.stem, file=path.name, sha256="", kind=kind, context=context)
    return _inspect(entry, path)


def resolve_active_model(locations: Locations) -> ResolvedModel:
    return resolve_model(load_registry(locations).active, locations)


_NAME_RE = re.compile(r"[^a-z0-9._-]+")


def _name_from_file(path: Path) -> str:
    return _NAME_RE.sub("-", path.stem.lower()).strip("-") or "model"


def import_model(
    source: Path,
    locations: Locations,
    *,
    name: str | None = None,
    expected_sha256: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ModelEntry:
    """Check a GGUF file, copy it into the models folder with its sha256, and register it.

    ``expected_sha256`` (or a ``FILE.sha256`` beside the source) must match when given. Nothing
    is registered, and no partial file is left, unless every check passes.
    """
    info = read_gguf_info(source)
    locations.ensure()
    registry = load_registry(locations)
    name = name or _name_from_file(source)
    if name in {e.name for e in registry.entries}:
        raise ModelError(
            f"A model named '{name}' is already registered.",
            "Choose another name with --name, or remove the old one first.",
        )
    target = locations.models / source.name
    if target.exists():
        raise ModelError(
            f"The models folder already has a file {target}.",
            "Remove the model that uses it first, or rename the file you import.",
            path=target,
        )
    expected = (expected_sha256 or _sidecar_sha256(source) or "").lower() or None
    partial = target.with_name(target.name + ".partial")
    try:
        copied = _copy_hashing(source, partial, progress)
        if expected and copied != expected:
            raise ModelCorrupt(
                f"The model file {source} does not match its expected sha256 "
                f"(got {copied[:12]}…, expected {expected[:12]}…).",
                "The copy on the stick is damaged: copy it again from its source.",
                path=source,
            )
        if sha256_file(partial) != copied:
            raise ModelCorrupt(
                f"The copy of {source} in {locations.models} differs from what was read.",
                "The disk may be failing or full; free space and import again.",
                path=target,
            )
        read_gguf_info(partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    write_verified_stamp(target, copied)
    entry = ModelEntry(
        name=name, file=target.name, sha256=copied, kind="auto",
        context=min(4096, info.context_length or DEFAULT_CONTEXT), licence=info.licence,
        min_ram_mb=target.stat().st_size // MIB + RUNTIME_OVERHEAD_MB,
        recommended_use=f"Imported from {source.name}",
    )  # fmt: skip
    _write_user_registry(locations, [*_user_entries(registry), entry], _user_active(locations))
    return entry


def _sidecar_sha256(source: Path) -> str | None:
    sidecar = source.with_name(source.name + ".sha256")
    with contextlib.suppress(OSError, IndexError):
        return sidecar.read_text(encoding="utf-8").split()[0]
    return None


def _copy_hashing(source: Path, target: Path, progress: Callable[[int, int], None] | None) -> str:
    total = source.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while block := src.read(8 * MIB):
            digest.update(block)
            dst.write(block)
            done += len(block)
            if progress:
                progress(done, total)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def verify_models(locations: Locations) -> list[tuple[ModelEntry, ModelError | None]]:
    """Check every registered model's file (present, GGUF, complete, sha256)."""
    results: list[tuple[ModelEntry, ModelError | None]] = []
    for entry in load_registry(locations).entries:
        try:
            read_gguf_info(ensure_model_file(entry, locations))
            results.append((entry, None))
        except ModelError as exc:
            results.append((entry, exc))
    return results


def remove_model(name: str, locations: Locations) -> ModelEntry:
    """Unregister an imported model and delete its file. Bundled models cannot be removed."""
    registry = load_registry(locations)
    entry = registry.get(name)
    if entry.bundled:
        raise ModelError(
            f"'{name}' is bundled with simdesk and cannot be removed.",
            "Choose another model with `simdesk models use NAME` instead.",
        )
    active = _user_active(locations)
    remaining = [e for e in _user_entries(registry) if e.name != name]
    _write_user_registry(locations, remaining, "" if active == name else active)
    path = model_path(entry, locations)
    for leftover in (path, path.with_name(path.name + ".verified")):
        leftover.unlink(missing_ok=True)
    return entry


def use_model(name: str, locations: Locations) -> ModelEntry:
    """Make ``name`` the model the app loads."""
    registry = load_registry(locations)
    entry = registry.get(name)
    locations.ensure()
    _write_user_registry(locations, _user_entries(registry), name)
    return entry
