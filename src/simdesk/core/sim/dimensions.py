"""Which dimension of the presenting illness a question asks about, learned rather than listed.

The topic patterns of ``history_topics.yaml`` read the dimensions (onset, how it came on, site,
radiation, character, severity, timing, what makes it worse or better, what comes with it, earlier
episodes) in the phrasings they were written on; on an independent book of phrasings they read
few of them (issue 17: 0.676 recall). This reader embeds a question with WordLlama's static token
embeddings (``wordllama``, MIT: 256-dimensional, average-pooled, shipped inside its wheel) and
classifies the embedding with a multinomial logistic regression (numpy) trained in memory on
``cases/catalog/dimension_questions.tsv`` (the six development books' phrasings of each dimension
and other history questions), on the MTS-Dialog TrainingSet doctors' questions of sections other
than the presenting illness (labelled "other") and on those of the presenting illness that ask no
dimension (``mts_dimension_questions.tsv``, hand-labelled: the complaint, one symptom, other
history, greetings and the like, as "other"; :data:`MTS_LABELS`). Classes are weighted equally,
so the thousands of "other" questions do not drown the dimensions.

Its trained weights are kept in the user cache folder (``readers/dimension-reader-*.npz``, 12 KB:
the labels, the weights and the bias, learnt from the shipped questions only, never a learner's),
keyed by a hash of the training examples, the embedding files and this code's version; a file
that cannot be read or does not fit is trained again and said so in the log. The window starts
:func:`prepare` when it first reads the library (before anyone signs in): it loads the weights,
or trains them once per machine (about 0.3 s of CPU with one BLAS thread; OpenBLAS's own threads
made it 2.4 s of CPU and 7 s on a busy 2-core machine, so training asks for one), stepping aside
while the model generates a reply (:mod:`simdesk.core.background`). The reader is used where no
topic pattern reads the question, or where they read it only as another part of the history (a
symptom it names), and only when it is confident (``TUNING.dimension_confidence``,
``TUNING.dimension_over_topics``). If ``wordllama`` is missing the matcher keeps to the patterns
and says so once in the log.

Chosen by cross-validation over the development books, each left out of the training in turn
(``benchmarks/dimension_cv.py``; the mean over books 2-4, the ones nearest to fresh wording, as
recall @ precision and off-case disclosures). First, hold-out 2 left out: the patterns alone
0.676 -> 0.820 @ 0.939 -> 0.950 (a naive Bayes over word and character n-grams on the same data:
0.724). 2026-12-07, books 2-4: 0.870 @ 0.951, 71.3 with four books' phrasings -> 0.889 @ 0.949,
48.0 with books 3-4's too -> 0.888 @ 0.949, 48.0 with MTS-Dialog's presenting-illness questions
that ask no dimension as "other" (kept: no cost there, and chit-chat is read less as a
dimension). Lost: those questions' dimension labels too (0.892 @ 0.950, 48.3, site up, onset
down, but fitted recall on book 2 0.982 -> 0.920: their "how long" is not the books'); "course"
and other presenting-illness questions as "other" (own phrasings' recall 0.980 -> 0.962) or as
a class of their own that abstains (0.876); character 3-5-grams hashed beside the embedding
(0.863-0.868); pooling weighted by inverse word frequency (0.882; MTS precision 0.990 -> 0.962);
l2 1e-3 / 1e-2 (0.807 / 0.748); 60 steps (0.877).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import io
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from simdesk.core import background
from simdesk.core.files import atomic_write
from simdesk.core.paths import bundle_root, bundled_cases_dir, locations
from simdesk.core.sim import understanding

log = logging.getLogger(__name__)

OTHER = "other"
# The hand labels of mts_dimension_questions.tsv (real clinicians' questions in the presenting
# illness's sections) -> the class each trains; a label not here is left out. Cross-validated by
# book (see the module's docstring), the questions that ask no dimension, as "other", won; the
# dimensions' own labels cost fitted recall and gained nothing unseen, "course" and "other_hpi"
# (on the illness, yet no dimension) as "other" cost recall.
MTS_LABELS: dict[str, str] = {
    "chief_complaint": OTHER, "symptom_check": OTHER, "other": OTHER, "skip": OTHER,
}  # fmt: skip
NOT_DIMENSIONS = frozenset({OTHER})
# Talk that is on no part of the history ("what is your favourite food?"): learnt as a class of
# its own so that its few questions weigh as much as a dimension's, not as a few among thousands
# of MTS-Dialog "other" questions; read as "other".
SMALL_TALK = "small_talk"
# MTS-Dialog sections whose questions are not on the presenting illness: "other" examples.
OTHER_SECTIONS = frozenset(
    {
        "FAM/SOCHX", "PASTMEDICALHX", "PASTSURGICAL", "MEDICATIONS", "ALLERGY", "ROS", "EXAM",
        "ASSESSMENT", "DIAGNOSIS", "PLAN", "DISPOSITION", "EDCOURSE", "IMMUNIZATIONS", "GYNHX",
        "PROCEDURES", "IMAGING", "OTHER_HISTORY",
    }
)  # fmt: skip
WEIGHTS = "weights/l2_supercat_256.safetensors"
QUANTISED = "weights/l2_supercat_256.int8.npz"  # the bundle's copy of it (wordpieces.quantise)
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_FORMAT = 1  # bump when the training or the file's layout changes


class Unavailable(RuntimeError):
    """The embedding model cannot be loaded (``wordllama`` is not installed, or its files are
    missing); the message names the fix."""


def _package_dir() -> Path:
    """The folder of WordLlama's files: in a frozen bundle its copy of them (the package's code is
    not bundled), else the installed package (found without importing it)."""
    bundle = bundle_root()
    if bundle is not None and (bundle / "wordllama" / QUANTISED).is_file():
        return bundle / "wordllama"
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise Unavailable(
            "the 'wordllama' package is not installed, so questions on the presenting illness "
            "are read by the topic patterns only; install it with 'pip install wordllama'"
        )
    return Path(spec.origin).parent


class Embedder:
    """WordLlama's token embeddings, average-pooled and normalised to unit length. Loaded from
    the files inside the installed wheel (its own loader looks the tokenizer up online)."""

    def __init__(self, root: Path | None = None) -> None:
        import numpy as np

        from simdesk.core.sim import wordpieces

        root = root or _package_dir()
        weights, tokenizer = root / QUANTISED, root / TOKENIZER
        weights = weights if weights.is_file() else root / WEIGHTS
        for path in (weights, tokenizer):
            if not path.is_file():
                raise Unavailable(f"{path} is missing; reinstall 'wordllama'")
        try:  # read without the safetensors and tokenizers packages (see wordpieces)
            self._codes, self._scales = wordpieces.int8_table(weights)  # int8, a scale per row
            self._tokenizer = wordpieces.PieceTokenizer(tokenizer)
        except (ValueError, KeyError) as exc:
            raise Unavailable(f"WordLlama's files in {root} are not as expected ({exc})") from exc
        self._np = np
        self.root = root

    @property
    def dimensions(self) -> int:
        return int(self._codes.shape[1])

    def __call__(self, texts: list[str]):
        np = self._np
        out = np.zeros((len(texts), self.dimensions), np.float32)
        for i, text in enumerate(texts):
            ids = self._tokenizer.encode(text.lower())
            if ids:
                rows = self._codes[ids].astype(np.float32) * self._scales[ids, None]
                vector = rows.mean(axis=0)
                out[i] = vector / (np.linalg.norm(vector) or 1.0)
        return out


@dataclass(frozen=True)
class Reading:
    """The reader's most likely label for a question (a topic name, or ``"other"``) and its
    probability."""

    label: str
    probability: float


class DimensionReader:
    """Multinomial logistic regression over question embeddings, the dimensions weighted equally
    and "other" (everything not on the presenting illness) ``other_weight`` times as much: with
    it at 1, off-topic talk the reader had been taught as "other" was still read as a dimension
    ("What is your favourite food?" as what makes it worse, at 0.51)."""

    def __init__(
        self,
        examples: list[tuple[str, str]],
        embed: Embedder,
        l2: float = 1e-4,
        steps: int = 150,
        rate: float = 0.3,
        other_weight: float = 2.0,
        step: Callable[[], object] = lambda: None,
    ) -> None:
        import numpy as np

        self._np, self._embed = np, embed
        self.labels = sorted({label for label, _ in examples})
        index = {label: i for i, label in enumerate(self.labels)}
        x = embed([text for _, text in examples])
        y = np.eye(len(self.labels), dtype=np.float32)[[index[lab] for lab, _ in examples]]
        counts = Counter(label for label, _ in examples)
        weight = np.array(
            [(other_weight if label == OTHER else 1.0) / counts[label] for label, _ in examples],
            np.float32,
        )
        weight /= weight.sum()
        w = np.zeros((x.shape[1], len(self.labels)), np.float32)
        b = np.zeros(len(self.labels), np.float32)
        # Adam on the weighted cross-entropy (deterministic: zero start, full batch).
        moments = [[np.zeros_like(w), np.zeros_like(w)], [np.zeros_like(b), np.zeros_like(b)]]
        for t in range(1, steps + 1):
            step()  # between two steps: background work waits while a reply is generated
            p = self._softmax(x @ w + b)
            g = (p - y) * weight[:, None]
            for param, grad, (m, v) in (
                (w, x.T @ g + l2 * w, moments[0]),
                (b, g.sum(0), moments[1]),
            ):
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad * grad
                param -= rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        self._w, self._b = w, b
        self._last: tuple[str, dict[str, float]] | None = None

    @classmethod
    def from_weights(cls, labels: list[str], w, b, embed: Embedder) -> DimensionReader:
        """A reader with weights learnt before (read from the cache file)."""
        reader = cls.__new__(cls)
        reader._np, reader._embed = embed._np, embed
        reader.labels, reader._w, reader._b = list(labels), w, b
        reader._last = None
        return reader

    def _softmax(self, z):
        z = z - z.max(axis=-1, keepdims=True)
        e = self._np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def read(self, question: str) -> Reading:
        odds = self.distribution(question)
        best = max(odds, key=odds.__getitem__)
        return Reading(best, odds[best])

    def distribution(self, question: str) -> dict[str, float]:
        """Every label's probability for a question (``"other"`` among them; small talk, learnt
        as a class of its own, is counted as "other"). The last question's is kept: the matcher
        asks for it up to twice a question (a named symptom, then the patterns' veto)."""
        last = self._last  # one read: another thread may replace it
        if last is not None and last[0] == question:
            return dict(last[1])
        p = self._softmax(self._embed([question])[0] @ self._w + self._b)
        odds: dict[str, float] = {}
        for label, q in zip(self.labels, p, strict=True):
            label = OTHER if label == SMALL_TALK else label
            odds[label] = odds.get(label, 0.0) + float(q)
        self._last = (question, odds)
        return dict(odds)


def load_examples(
    path: Path | None = None, labelled: Path | None = None, labels: dict | None = None
) -> list[tuple[str, str]]:
    """``(label, question)``: the bundled dimension questions, the MTS-Dialog questions of the
    sections that are not the presenting illness as ``"other"``, and the hand-labelled
    MTS-Dialog questions of the presenting illness (``labelled``, by ``labels``: MTS_LABELS)."""
    catalog = bundled_cases_dir() / "catalog"
    path = path or catalog / "dimension_questions.tsv"
    examples = understanding.read_sections(path)  # the same two-column file shape
    for section, question in understanding.read_sections(catalog / "mts_dialog_questions.tsv"):
        if section in OTHER_SECTIONS:
            examples.append((OTHER, question))
    labelled = labelled or catalog / "mts_dimension_questions.tsv"
    labels = MTS_LABELS if labels is None else labels
    if labelled.is_file():
        for label, question in understanding.read_sections(labelled):
            to = labels.get(label)
            if to is not None:
                examples.append((to, question))
    return examples


def blas_threads() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """The loaded OpenBLAS's functions that get and set its thread count, found as threadpoolctl
    finds them (Linux: the libraries this process has loaded); ``None`` where there are none."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/maps", encoding="utf-8") as maps:  # Linux; elsewhere: none
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            for prefix, suffix in (
                ("scipy_openblas", "64_"),
                ("openblas", ""),
                ("openblas", "64_"),
            ):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run numpy's OpenBLAS on one thread inside the block (best effort: elsewhere nothing
    changes). The matrices here are small (3,941 x 256 by 256 x 12): OpenBLAS's threads spin
    waiting for each other and take the cores the model decodes on."""
    import numpy  # noqa: F401  (loads OpenBLAS, so that it can be found)

    functions = blas_threads()
    if functions is None:
        yield
        return
    get, put = functions
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)


def _code_version() -> str:
    """This module's text (any change to how the reader is trained gives another file) where it
    can be read, and the training's settings in any case (a frozen bundle has no source)."""
    defaults = DimensionReader.__init__.__defaults__ or ()
    settings = [value for value in defaults if isinstance(value, int | float)]
    try:
        source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    except OSError:
        source = "-"
    return f"v{_FORMAT}:{settings}:{source}"


def _cache_file(examples: list[tuple[str, str]], embed_root: Path) -> Path:
    """Where the weights learnt from these examples are kept: keyed by the examples, the
    embedding files (name and size) and this code's version."""
    digest = hashlib.sha256(_code_version().encode())
    for name in (QUANTISED, WEIGHTS, TOKENIZER):
        if (embed_root / name).is_file():  # the bundle has the first, a package the second
            digest.update(f"{name}:{(embed_root / name).stat().st_size}".encode())
    for label, text in examples:
        digest.update(f"{label}\t{text}\n".encode())
    folder = os.environ.get("SIMDESK_READER_CACHE") or locations().cache / "readers"
    return Path(folder) / f"dimension-reader-{digest.hexdigest()[:16]}.npz"


def _read_cache(path: Path, examples: list[tuple[str, str]], embed: Embedder):
    """The reader kept in ``path``, or ``None`` when there is none; a file that cannot be read
    or does not fit these examples is said in the log (and then trained again)."""
    import numpy as np

    if not path.is_file():
        return None
    try:
        # Read whole first: numpy leaves the file open when the zip inside it is damaged.
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as stored:
            labels, w, b = [str(x) for x in stored["labels"]], stored["w"], stored["b"]
        if (
            labels != sorted({label for label, _ in examples})
            or w.shape != (embed.dimensions, len(labels)) or b.shape != (len(labels),)
            or w.dtype != np.float32 or b.dtype != np.float32
            or not (np.isfinite(w).all() and np.isfinite(b).all())
        ):  # fmt: skip
            raise ValueError("its labels or weights do not fit the training questions")
    except Exception as exc:  # a damaged zip raises several kinds: any means "train again"
        log.warning(
            "The dimension reader's cache %s is unusable (%s); training it again", path, exc
        )
        return None
    return DimensionReader.from_weights(labels, w, b, embed)


def _write_cache(path: Path, reader: DimensionReader) -> None:
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, labels=np.array(reader.labels), w=reader._w, b=reader._b)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, buffer.getvalue(), mode=0o644)
    except OSError as exc:  # a read-only cache folder only costs the next start a training
        log.info("The dimension reader's weights were not kept (%s)", exc)


_in_background = threading.local()  # ``on``: this thread's work nobody waits for yet
_wanted = threading.Event()  # somebody waits for the reader: training no longer pauses


def _step() -> None:
    if background.replies_in_flight() and getattr(_in_background, "on", False):
        background.pause_for_replies(unless=_wanted.is_set)


def _load_or_train() -> DimensionReader:
    embed = Embedder()
    examples = load_examples()
    path = _cache_file(examples, embed.root)
    reader = _read_cache(path, examples, embed)
    if reader is None:
        with _one_blas_thread():
            reader = DimensionReader(examples, embed, step=_step)
        _write_cache(path, reader)
    return reader


_lock = threading.Lock()
_trained: list[DimensionReader | None] = []


def bundled_reader() -> DimensionReader | None:
    """The reader trained on the bundled questions (once per process), or ``None`` when the
    embedding model is unavailable (said once in the log)."""
    if not _trained and not getattr(_in_background, "on", False) and not _wanted.is_set():
        _wanted.set()  # a training in the background goes on at full speed from here
        background.wake()
    with _lock:
        if not _trained:
            try:
                _trained.append(_load_or_train())
            except (Unavailable, ImportError) as exc:
                log.warning("The dimension reader is off: %s", exc)
                _trained.append(None)
        return _trained[0]


def _in_the_background() -> None:
    _in_background.on = True
    bundled_reader()


_started: list[threading.Thread] = []
_start_lock = threading.Lock()  # not ``_lock``: that one is held while the reader is trained


def prepare() -> threading.Thread | None:
    """Load the reader's weights, or train them (and keep them), on a background thread that
    steps aside while the model generates a reply; the thread already started if there is one
    (``None`` once the reader is in memory). The window starts it when it first reads the
    library, and a matcher when it is built (in a process without the window)."""
    with _start_lock:
        if _trained:
            return None
        if not _started or not _started[-1].is_alive():
            _started[:] = [
                threading.Thread(target=_in_the_background, name="simdesk-dimensions", daemon=True)
            ]
            _started[-1].start()
        return _started[-1]


def warm_up() -> None:
    """Load or train the reader on a background thread (a matcher calls this when built)."""
    prepare()


def forget() -> None:
    """Drop the reader from memory (for measuring its loading and training)."""
    with _lock:
        _trained.clear()
        _wanted.clear()
