"""The project's wheelhouse: wheels built once per set of options, installed only from there.

pip's own cache is keyed by name and version, not by build options, so it can hand a wheel built
with other flags (``-march=native``, OpenBLAS) back to a later install. The packaging scripts
(``build_llama.py``, ``build_numpy.py``) therefore build into a folder named by a hash of
everything that changes the result, ``~/.cache/simdesk/wheelhouse/<key>/`` (or under
``$SIMDESK_WHEELHOUSE``), and install from it with pip's index and cache off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def abi_parts() -> list[str]:
    """What ties a compiled wheel to this interpreter and platform."""
    return [
        sys.implementation.cache_tag or "",
        sysconfig.get_platform(),
        str(sysconfig.get_config_var("SOABI")),
    ]


def key(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def folder(name: str) -> Path:
    root = os.environ.get("SIMDESK_WHEELHOUSE")
    base = Path(root) if root else Path.home() / ".cache" / "simdesk" / "wheelhouse"
    return base / name


def find_wheel(where: Path, distribution: str, version: str) -> Path | None:
    """The wheel for ``distribution==version`` in ``where`` (the name as wheels spell it)."""
    wheels = sorted(where.glob(f"{distribution}-{version}-*.whl"))
    return wheels[-1] if wheels else None


def build(
    requirement: str,
    distribution: str,
    version: str,
    target: Path,
    *,
    pip_args: Iterable[str] = (),
    env: dict[str, str] | None = None,
    check: Callable[[Path], object] | None = None,
) -> Path:
    """Build ``requirement`` from source with pip and move the wheel into ``target`` atomically.

    ``check`` may inspect the built wheel and raise before it is kept; a half-copied wheel is
    never found, as it is written under a ``.partial`` name and renamed.
    """
    with tempfile.TemporaryDirectory(prefix=f"simdesk-{distribution}-") as scratch:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
                "--no-binary", requirement.split("==")[0], requirement, "--wheel-dir", scratch,
                *pip_args,
            ],
            check=True, env=env,
        )  # fmt: skip
        built = find_wheel(Path(scratch), distribution, version)
        if built is None:
            raise SystemExit(f"pip reported success but left no {distribution} wheel.")
        if check is not None:
            check(built)
        target.mkdir(parents=True, exist_ok=True)
        partial = target / (built.name + ".partial")
        shutil.copyfile(built, partial)
        os.replace(partial, target / built.name)
    return target / built.name


def install(wheel: Path, requirement: str) -> None:
    """Install ``requirement`` from the wheel's folder only: no index, no cache, no dependencies."""
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--no-index", "--no-cache-dir", "--no-deps",
            "--force-reinstall", "--find-links", str(wheel.parent), requirement,
        ],
        check=True,
    )  # fmt: skip
