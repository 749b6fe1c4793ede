"""WordLlama's tokenizer and table read without the ``tokenizers`` and ``safetensors`` packages
(core.sim.wordpieces): the same ids and the same table as those packages give."""

from __future__ import annotations

import json

import pytest

from simdesk.core.sim import dimensions, wordpieces

pytest.importorskip("wordllama")


@pytest.fixture(scope="module")
def root():
    return dimensions._package_dir()


@pytest.fixture(scope="module")
def ours(root):
    return wordpieces.PieceTokenizer(root / dimensions.TOKENIZER)


@pytest.fixture(scope="module")
def theirs(root):
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer.from_file(str(root / dimensions.TOKENIZER))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def test_every_training_question_gets_the_same_ids(ours, theirs):
    questions = [text for _, text in dimensions.load_examples()]
    assert len(questions) > 2000
    for text in questions:
        for variant in (text, text.lower()):
            assert ours.encode(variant) == theirs.encode(variant, add_special_tokens=False).ids


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "  two  spaces ", "café, naïve façade", "中文 and 😀 (no such tokens)",
        "tab\there\nnewline", "<s>", "a <s> b</s>c<unk>", "<<s>>", "\u2581already", "x" * 300,
        "the the the the the the the the", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)  # fmt: skip
def test_spaces_bytes_and_special_tokens_as_the_package_reads_them(ours, theirs, text):
    assert ours.encode(text) == theirs.encode(text, add_special_tokens=False).ids


def test_the_table_is_the_same(root):
    safetensors = pytest.importorskip("safetensors")
    with safetensors.safe_open(str(root / dimensions.WEIGHTS), "np") as f:
        expected = f.get_tensor("embedding.weight")
    table = wordpieces.read_safetensors(root / dimensions.WEIGHTS, "embedding.weight")
    assert table.dtype == expected.dtype and table.shape == expected.shape == (32000, 256)
    assert (table == expected).all()


def test_a_tokenizer_it_does_not_read_is_refused(root, tmp_path):
    data = json.loads((root / dimensions.TOKENIZER).read_text(encoding="utf-8"))
    data["pre_tokenizer"] = {"type": "Whitespace"}
    other = tmp_path / "tokenizer.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(wordpieces.UnsupportedTokenizer, match="pre-tokenizer"):
        wordpieces.PieceTokenizer(other)
