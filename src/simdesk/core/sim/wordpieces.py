"""WordLlama's tokenizer and embedding table read without the ``tokenizers`` and ``safetensors``
packages (their native libraries are 8 and 0.9 MB of the desktop bundle).

The tokenizer file is Hugging Face ``tokenizers``' JSON of the Llama 2 vocabulary: special tokens
split out first, each other piece given a leading "▁" with its spaces made "▁", then byte-pair
merges over its characters (lowest rank first, the leftmost of equal ranks), a character outside
the vocabulary written as its UTF-8 bytes (``<0xNN>``). :class:`PieceTokenizer` does the same,
and refuses a file that asks for anything else; a test checks it gives the ``tokenizers``
package's ids on every training question of the dimension reader.

The table is the safetensors file's one tensor (read with numpy: an 8-byte header length, a JSON
header, then the raw array: float16, 32000 x 256, 16 MB). The reader uses it quantised to int8
with one scale per row (:func:`quantise`), computed when loaded from the package, or read from
the copy the desktop bundle carries instead (8 MB; the same codes, made at build time from the
installed wheel), so that the bundle and a development install read questions alike.
"""

from __future__ import annotations

import heapq
import json
import struct
from pathlib import Path

SPACE = "\u2581"  # "▁"
_DTYPES = {"F16": "<f2", "F32": "<f4", "BF16": None}


class UnsupportedTokenizer(ValueError):
    """The tokenizer file asks for something this reader does not do."""


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise UnsupportedTokenizer(f"the tokenizer file has {what}")


class PieceTokenizer:
    """The Llama 2 byte-pair tokenizer of a ``tokenizers`` JSON file (no special tokens added)."""

    def __init__(self, path: Path) -> None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        model = data.get("model") or {}
        _expect(model.get("type") == "BPE", "a model other than BPE")
        _expect(model.get("byte_fallback") is True, "no byte fallback")
        for key in ("dropout", "continuing_subword_prefix", "end_of_word_suffix"):
            _expect(model.get(key) is None, f"a {key}")
        _expect(not model.get("ignore_merges"), "ignore_merges")
        _expect(data.get("pre_tokenizer") is None, "a pre-tokenizer")
        _expect(
            data.get("normalizer")
            == {
                "type": "Sequence",
                "normalizers": [
                    {"type": "Prepend", "prepend": SPACE},
                    {"type": "Replace", "pattern": {"String": " "}, "content": SPACE},
                ],
            },
            "another normalizer",
        )
        vocab: dict[str, int] = model["vocab"]
        self._vocab = vocab
        self._bytes = [vocab[f"<0x{i:02X}>"] for i in range(256)]
        self._merges: dict[tuple[int, int], tuple[int, int]] = {}
        for rank, merge in enumerate(model["merges"]):
            left, right = merge.split(" ") if isinstance(merge, str) else merge
            self._merges[(vocab[left], vocab[right])] = (rank, vocab[left + right])
        self._special: list[tuple[str, int]] = []
        for token in data.get("added_tokens") or []:
            _expect(
                not (token["lstrip"] or token["rstrip"] or token["single_word"])
                and not token["normalized"],
                "an added token with options",
            )
            self._special.append((token["content"], token["id"]))
        # The longest first where two start at the same place (leftmost-longest matching).
        self._special.sort(key=lambda item: -len(item[0]))

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        start = 0
        while start <= len(text):
            found = [(text.find(s, start), -len(s), s, i) for s, i in self._special]
            found = [f for f in found if f[0] >= 0]
            at, _, special, special_id = min(found) if found else (len(text), 0, "", -1)
            ids.extend(self._piece(text[start:at]))
            if not found:
                break
            ids.append(special_id)
            start = at + len(special)
        return ids

    def _piece(self, piece: str) -> list[int]:
        if not piece:
            return []
        symbols: list[int] = []
        for char in SPACE + piece.replace(" ", SPACE):
            known = self._vocab.get(char)
            if known is not None:
                symbols.append(known)
            else:
                symbols.extend(self._bytes[b] for b in char.encode("utf-8"))
        # Hugging Face's order: the pair of lowest rank first, the leftmost of equal ranks; a
        # queued pair whose symbols have changed since is skipped.
        merges = self._merges
        after = list(range(1, len(symbols) + 1))
        before = list(range(-1, len(symbols) - 1))
        queue = [
            (merge[0], i, merge[1])
            for i in range(len(symbols) - 1)
            if (merge := merges.get((symbols[i], symbols[i + 1]))) is not None
        ]
        heapq.heapify(queue)
        alive = [True] * len(symbols)
        while queue:
            rank, i, merged = heapq.heappop(queue)
            j = after[i] if alive[i] else len(symbols)
            if j >= len(symbols) or merges.get((symbols[i], symbols[j]), (None, None))[1] != merged:
                continue
            symbols[i], alive[j] = merged, False
            after[i] = after[j]
            if after[i] < len(symbols):
                before[after[i]] = i
            for left, right in ((before[i], i), (i, after[i])):
                if left >= 0 and right < len(symbols):
                    merge = merges.get((symbols[left], symbols[right]))
                    if merge is not None:
                        heapq.heappush(queue, (merge[0], left, merge[1]))
        return [symbol for symbol, kept in zip(symbols, alive, strict=True) if kept]


def read_safetensors(path: Path, name: str):
    """One tensor of a safetensors file as a numpy array (a copy in memory)."""
    import numpy as np

    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        entry = header[name]
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: the tensor {name} is {entry['dtype']}, not read here")
        begin, end = entry["data_offsets"]
        f.seek(8 + length + begin)
        raw = f.read(end - begin)
    return np.frombuffer(raw, dtype=dtype).reshape(entry["shape"]).copy()


def quantise(table):
    """``(codes, scales)``: each row as int8 codes times one float32 scale (its largest magnitude
    over 127), rounded to the nearest code. A row read back (``codes * scales[:, None]``) is
    within half a code of the original, at most 0.4 % of its largest magnitude."""
    import numpy as np

    table = np.asarray(table, np.float32)
    scales = np.abs(table).max(axis=1) / np.float32(127.0)
    safe = np.where(scales == 0, np.float32(1.0), scales)[:, None]
    codes = np.clip(np.rint(table / safe), -127, 127).astype(np.int8)
    return codes, scales.astype(np.float32)


def int8_table(path: Path):
    """``(codes, scales)`` of WordLlama's table: read from a file :func:`write_int8_table` wrote
    (the desktop bundle's copy, half the size), else quantised from the safetensors file."""
    import numpy as np

    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as stored:
            return stored["codes"], stored["scales"]
    return quantise(read_safetensors(path, "embedding.weight"))


def write_int8_table(source: Path, target: Path) -> Path:
    """The table of the safetensors file ``source`` quantised into ``target`` (``.npz``)."""
    import numpy as np

    codes, scales = quantise(read_safetensors(source, "embedding.weight"))
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez(target, codes=codes, scales=scales)
    return target
