"""Tiny GGUF files written with the ``gguf`` package's own writer (no model download needed)."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def write_gguf(path: Path, *, chat_template: str | None = None, tensor_rows: int = 64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("Tiny test model")
    writer.add_context_length(4096)
    writer.add_license("apache-2.0")
    writer.add_token_list(["<s>", "</s>", "hello"])
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(1)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    writer.add_tensor("weight", np.ones((tensor_rows, 32), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def instruct_gguf(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "usb" / "tiny-chat.gguf", chat_template=CHATML)


@pytest.fixture
def base_gguf(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "usb" / "tiny-base.gguf")
