"""Which dimension of the presenting illness a question asks about, learned rather than listed.

The topic patterns of ``history_topics.yaml`` read the dimensions (onset, how it came on, site,
radiation, character, severity, timing, what makes it worse or better, what comes with it, earlier
episodes) in the phrasings they were written on; on an independent book of phrasings they read
few of them (issue 17: 0.676 recall). This reader embeds a question with WordLlama's static token
embeddings (``wordllama``, MIT: 256-dimensional, average-pooled, shipped inside its wheel) and
classifies the embedding with a multinomial logistic regression (numpy) trained in memory on
``cases/catalog/dimension_questions.tsv`` (the development books' phrasings of each dimension and
other history questions) and on the MTS-Dialog TrainingSet doctors' questions of sections other
than the presenting illness (labelled "other"). Classes are weighted equally, so the thousands of
"other" questions do not drown the dimensions.

It is trained once per process on a background thread when the first matcher is built (about a
second on 2 quiet cores; nothing is downloaded or written), and it is used only where no topic
pattern reads the question, and only when it is confident (``TUNING.dimension_confidence``). If
``wordllama`` is missing the matcher keeps to the patterns and says so once in the log.

Chosen by cross-validation over the development books, each left out in turn (hold-out 2 left out:
recall 0.676 -> 0.820 with precision 0.939 -> 0.950; the other books unchanged; a naive Bayes over
word and character n-grams trained on the same data: 0.724).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.paths import bundle_root, bundled_cases_dir
from simdesk.core.sim import understanding

log = logging.getLogger(__name__)

OTHER = "other"
# MTS-Dialog sections whose questions are not on the presenting illness: "other" examples.
OTHER_SECTIONS = frozenset(
    {
        "FAM/SOCHX", "PASTMEDICALHX", "PASTSURGICAL", "MEDICATIONS", "ALLERGY", "ROS", "EXAM",
        "ASSESSMENT", "DIAGNOSIS", "PLAN", "DISPOSITION", "EDCOURSE", "IMMUNIZATIONS", "GYNHX",
        "PROCEDURES", "IMAGING", "OTHER_HISTORY",
    }
)  # fmt: skip
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


class Unavailable(RuntimeError):
    """The embedding model cannot be loaded (``wordllama`` is not installed, or its files are
    missing); the message names the fix."""


def _package_dir() -> Path:
    """The folder of WordLlama's files: in a frozen bundle its copy of them (the package's code is
    not bundled), else the installed package (found without importing it)."""
    bundle = bundle_root()
    if bundle is not None and (bundle / "wordllama" / WEIGHTS).is_file():
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
        from safetensors import safe_open
        from tokenizers import Tokenizer

        root = root or _package_dir()
        weights, tokenizer = root / WEIGHTS, root / TOKENIZER
        for path in (weights, tokenizer):
            if not path.is_file():
                raise Unavailable(f"{path} is missing; reinstall 'wordllama'")
        with safe_open(str(weights), "np") as f:
            self._table = f.get_tensor("embedding.weight")  # float16, 32000 x 256 (16 MB)
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._np = np

    def __call__(self, texts: list[str]):
        np = self._np
        out = np.zeros((len(texts), self._table.shape[1]), np.float32)
        for i, text in enumerate(texts):
            ids = self._tokenizer.encode(text.lower(), add_special_tokens=False).ids
            if ids:
                vector = self._table[ids].astype(np.float32).mean(axis=0)
                out[i] = vector / (np.linalg.norm(vector) or 1.0)
        return out


@dataclass(frozen=True)
class Reading:
    """The reader's most likely label for a question (a topic name, or ``"other"``) and its
    probability."""

    label: str
    probability: float


class DimensionReader:
    """Multinomial logistic regression over question embeddings, classes weighted equally."""

    def __init__(
        self,
        examples: list[tuple[str, str]],
        embed: Embedder,
        l2: float = 1e-4,
        steps: int = 150,
        rate: float = 0.3,
    ) -> None:
        import numpy as np

        self._np, self._embed = np, embed
        self.labels = sorted({label for label, _ in examples})
        index = {label: i for i, label in enumerate(self.labels)}
        x = embed([text for _, text in examples])
        y = np.eye(len(self.labels), dtype=np.float32)[[index[lab] for lab, _ in examples]]
        counts = Counter(label for label, _ in examples)
        weight = np.array([1.0 / counts[label] for label, _ in examples], np.float32)
        weight /= weight.sum()
        w = np.zeros((x.shape[1], len(self.labels)), np.float32)
        b = np.zeros(len(self.labels), np.float32)
        # Adam on the weighted cross-entropy (deterministic: zero start, full batch).
        moments = [[np.zeros_like(w), np.zeros_like(w)], [np.zeros_like(b), np.zeros_like(b)]]
        for step in range(1, steps + 1):
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
                param -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        self._w, self._b = w, b

    def _softmax(self, z):
        z = z - z.max(axis=-1, keepdims=True)
        e = self._np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def read(self, question: str) -> Reading:
        p = self._softmax(self._embed([question])[0] @ self._w + self._b)
        best = int(p.argmax())
        return Reading(self.labels[best], float(p[best]))


def load_examples(path: Path | None = None) -> list[tuple[str, str]]:
    """``(label, question)``: the bundled dimension questions, and the MTS-Dialog questions of
    the sections that are not the presenting illness as ``"other"``."""
    path = path or bundled_cases_dir() / "catalog" / "dimension_questions.tsv"
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        label, question = line.split("\t", 1)
        examples.append((label, question))
    mts = bundled_cases_dir() / "catalog" / "mts_dialog_questions.tsv"
    for section, question in understanding.read_sections(mts):
        if section in OTHER_SECTIONS:
            examples.append((OTHER, question))
    return examples


_lock = threading.Lock()
_trained: list[DimensionReader | None] = []


def bundled_reader() -> DimensionReader | None:
    """The reader trained on the bundled questions (once per process), or ``None`` when the
    embedding model is unavailable (said once in the log)."""
    with _lock:
        if not _trained:
            try:
                _trained.append(DimensionReader(load_examples(), Embedder()))
            except (Unavailable, ImportError) as exc:
                log.warning("The dimension reader is off: %s", exc)
                _trained.append(None)
        return _trained[0]


def warm_up() -> None:
    """Load and train the reader on a background thread (a matcher calls this when built)."""
    if not _trained:
        threading.Thread(target=bundled_reader, name="simdesk-dimensions", daemon=True).start()


def forget() -> None:
    """Drop the trained reader (for measuring its training)."""
    with _lock:
        _trained.clear()
