"""Read a GGUF file's header and metadata without loading the model.

``gguf.GGUFReader`` parses every array in Python (8 s for Gemma's 262k-token vocabulary), so
this module walks the same layout with the ``gguf`` package's type tables, skipping arrays it does
not need, and checks from the tensor table that the file is as long as it claims (a truncated
download is caught before llama.cpp sees it).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

from simdesk.core.errors import ModelCorrupt, ModelMissing

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
CHAT_TEMPLATE_KEY = "tokenizer.chat_template"

_SCALARS: dict = {}


def _load_tables() -> None:
    """Import the ``gguf`` package's type tables on first use, not with this module: ``gguf``
    imports numpy (half a second or more), and the app imports this module before its window
    is on screen."""
    global GGML_QUANT_SIZES, GGUF_DEFAULT_ALIGNMENT, GGMLQuantizationType, GGUFValueType
    if _SCALARS:
        return
    from gguf import GGML_QUANT_SIZES, GGUF_DEFAULT_ALIGNMENT, GGMLQuantizationType, GGUFValueType

    _SCALARS.update({
        GGUFValueType.UINT8: "<B", GGUFValueType.INT8: "<b", GGUFValueType.UINT16: "<H",
        GGUFValueType.INT16: "<h", GGUFValueType.UINT32: "<I", GGUFValueType.INT32: "<i",
        GGUFValueType.FLOAT32: "<f", GGUFValueType.BOOL: "<?", GGUFValueType.UINT64: "<Q",
        GGUFValueType.INT64: "<q", GGUFValueType.FLOAT64: "<d",
    })  # fmt: skip


@dataclass(frozen=True)
class GgufInfo:
    """What simdesk needs to know about a model file before loading it."""

    path: Path
    version: int
    tensor_count: int
    file_size: int
    expected_size: int
    metadata: dict[str, object] = field(repr=False)
    array_lengths: dict[str, int] = field(repr=False)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name", self.path.stem))

    @property
    def licence(self) -> str:
        return str(self.metadata.get("general.license", ""))

    @property
    def chat_template(self) -> str | None:
        template = self.metadata.get(CHAT_TEMPLATE_KEY)
        return template if isinstance(template, str) and template.strip() else None

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if isinstance(value, int) else None

    def token(self, key: str) -> str | None:
        """The text of a special token (``bos``/``eos``), if the vocabulary was read."""
        tokens = self.metadata.get("tokenizer.ggml.tokens")
        index = self.metadata.get(f"tokenizer.ggml.{key}_token_id")
        if isinstance(tokens, list) and isinstance(index, int) and 0 <= index < len(tokens):
            return tokens[index]
        return None


class _Cursor:
    def __init__(self, buffer: mmap.mmap | bytes) -> None:
        self.buffer = buffer
        self.offset = 0

    def unpack(self, fmt: str):
        value = struct.unpack_from(fmt, self.buffer, self.offset)[0]
        self.offset += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.unpack("<Q")
        end = self.offset + length
        if end > len(self.buffer):
            raise struct.error("string runs past the end of the file")
        text = bytes(self.buffer[self.offset : end]).decode("utf-8", errors="replace")
        self.offset = end
        return text

    def skip_string(self) -> None:
        length = self.unpack("<Q")
        self.offset += length

    def value(self, kind: GGUFValueType, *, keep: bool):
        if kind == GGUFValueType.STRING:
            return self.string()
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == GGUFValueType.ARRAY:
            item_kind = GGUFValueType(self.unpack("<I"))
            count = self.unpack("<Q")
            if keep:
                return [self.value(item_kind, keep=True) for _ in range(count)]
            if item_kind == GGUFValueType.STRING:
                for _ in range(count):
                    self.skip_string()
            elif item_kind in _SCALARS:
                self.offset += count * struct.calcsize(_SCALARS[item_kind])
            else:
                for _ in range(count):
                    self.value(item_kind, keep=False)
            return count
        raise ValueError(f"unknown GGUF value type {kind}")


# Arrays worth decoding: the vocabulary, for the text of special tokens in a chat template.
_KEEP_ARRAYS = frozenset({"tokenizer.ggml.tokens"})


def read_gguf_info(path: Path, *, read_vocabulary: bool = False) -> GgufInfo:
    """Read and check ``path``'s GGUF header, metadata and tensor table.

    Raises :class:`ModelMissing` if it cannot be read and :class:`ModelCorrupt` if it is not a
    GGUF file, has an unsupported version, a damaged header, or is shorter than its tensors need.
    """
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            if size < 24 or handle.read(4) != GGUF_MAGIC:
                raise ModelCorrupt(
                    f"The file {path} is not a GGUF model (it does not start with 'GGUF').",
                    "Use a .gguf model file; models in other formats must be converted first.",
                    path=path,
                )
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
                return _parse(path, buffer, size, read_vocabulary)
    except OSError as exc:
        raise ModelMissing(
            f"Cannot read the model file {path}: {exc.strerror or exc}",
            "Check that the file exists and that you may read it.",
            path=path,
        ) from exc


def _parse(path: Path, buffer: mmap.mmap, size: int, read_vocabulary: bool) -> GgufInfo:
    _load_tables()
    cursor = _Cursor(buffer)
    cursor.offset = 4
    version = cursor.unpack("<I")
    if version not in SUPPORTED_VERSIONS:
        raise ModelCorrupt(
            f"The model file {path} is GGUF version {version}; simdesk reads versions "
            f"{' and '.join(map(str, SUPPORTED_VERSIONS))}.",
            "Convert the model again with a current llama.cpp, or use another model file.",
            path=path,
        )
    try:
        tensor_count = cursor.unpack("<Q")
        kv_count = cursor.unpack("<Q")
        metadata: dict[str, object] = {}
        lengths: dict[str, int] = {}
        for _ in range(kv_count):
            key = cursor.string()
            kind = GGUFValueType(cursor.unpack("<I"))
            keep = read_vocabulary and key in _KEEP_ARRAYS
            value = cursor.value(kind, keep=keep)
            if kind == GGUFValueType.ARRAY and not keep:
                lengths[key] = value
            else:
                metadata[key] = value
        data_end = 0
        for _ in range(tensor_count):
            cursor.skip_string()
            dims = [cursor.unpack("<Q") for _ in range(cursor.unpack("<I"))]
            quant = GGMLQuantizationType(cursor.unpack("<I"))
            offset = cursor.unpack("<Q")
            block, block_bytes = GGML_QUANT_SIZES[quant]
            elements = 1
            for dim in dims:
                elements *= dim
            data_end = max(data_end, offset + elements // block * block_bytes)
    except (struct.error, ValueError, KeyError) as exc:
        raise ModelCorrupt(
            f"The model file {path} has a damaged header ({exc}); it may be cut short.",
            "Copy the file again from its source, then import it again.",
            path=path,
        ) from exc
    alignment = metadata.get("general.alignment", GGUF_DEFAULT_ALIGNMENT)
    data_start = -(-cursor.offset // alignment) * alignment
    info = GgufInfo(path, version, tensor_count, size, data_start + data_end, metadata, lengths)
    if size < info.expected_size:
        raise ModelCorrupt(
            f"The model file {path} is truncated: it has {size:,} bytes of the "
            f"{info.expected_size:,} its tensors need (an interrupted download or copy).",
            "Copy the complete file again from its source, then import it again.",
            path=path,
        )
    return info
