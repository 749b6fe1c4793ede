"""Reading GGUF metadata without loading the model: kinds, versions, truncation, junk."""

from __future__ import annotations

import struct

import gguf
import pytest

from simdesk.core.errors import ModelCorrupt, ModelMissing
from simdesk.core.llm.gguf_info import read_gguf_info
from simdesk.core.llm.registry import ModelEntry, effective_kind

from .conftest import CHATML


def test_metadata_matches_the_gguf_packages_own_reader(instruct_gguf):
    info = read_gguf_info(instruct_gguf, read_vocabulary=True)
    reference = gguf.GGUFReader(instruct_gguf)
    assert info.chat_template == reference.fields["tokenizer.chat_template"].contents() == CHATML
    assert info.version == 3 and info.tensor_count == len(reference.tensors) == 1
    assert (info.name, info.licence, info.context_length) == ("Tiny test model", "apache-2.0", 4096)
    assert (info.token("bos"), info.token("eos")) == ("<s>", "</s>")
    assert info.expected_size == info.file_size == instruct_gguf.stat().st_size


def test_kind_comes_from_the_chat_template_unless_the_registry_says_otherwise(
    instruct_gguf, base_gguf
):
    auto = ModelEntry(name="m", file="m.gguf", sha256="")
    assert effective_kind(auto, read_gguf_info(instruct_gguf)) == "instruct"
    assert effective_kind(auto, read_gguf_info(base_gguf)) == "base"
    forced = ModelEntry(name="m", file="m.gguf", sha256="", kind="base")
    assert effective_kind(forced, read_gguf_info(instruct_gguf)) == "base"


def test_a_truncated_file_is_refused_with_its_sizes(instruct_gguf):
    data = instruct_gguf.read_bytes()
    instruct_gguf.write_bytes(data[:-100])
    with pytest.raises(ModelCorrupt) as info:
        read_gguf_info(instruct_gguf)
    assert "truncated" in info.value.what and str(instruct_gguf) in info.value.what
    assert f"{len(data):,}" in info.value.what


def test_a_file_cut_inside_its_header_is_refused(instruct_gguf):
    instruct_gguf.write_bytes(instruct_gguf.read_bytes()[:200])
    with pytest.raises(ModelCorrupt, match="damaged header"):
        read_gguf_info(instruct_gguf)


def test_an_unsupported_version_is_named(instruct_gguf):
    data = bytearray(instruct_gguf.read_bytes())
    data[4:8] = struct.pack("<I", 99)
    instruct_gguf.write_bytes(bytes(data))
    with pytest.raises(ModelCorrupt, match="version 99"):
        read_gguf_info(instruct_gguf)


def test_junk_and_missing_files(tmp_path):
    junk = tmp_path / "page.gguf"
    junk.write_text("<html>404 Not Found</html>" * 10)
    with pytest.raises(ModelCorrupt, match="not a GGUF model"):
        read_gguf_info(junk)
    with pytest.raises(ModelMissing) as info:
        read_gguf_info(tmp_path / "absent.gguf")
    assert "absent.gguf" in info.value.what
