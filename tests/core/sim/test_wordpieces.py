"""WordLlama's tokenizer and table read without the ``tokenizers`` and ``safetensors`` packages
(core.sim.wordpieces): the same ids and the same table as those packages give; the table used
as int8 with a scale per row, alike from the package and from the bundle's copy."""

from __future__ import annotations

import json
import shutil

import numpy as np
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


def test_the_int8_table_is_within_half_a_code_of_the_float16_one(root):
    table = wordpieces.read_safetensors(root / dimensions.WEIGHTS, "embedding.weight")
    codes, scales = wordpieces.int8_table(root / dimensions.WEIGHTS)
    assert codes.dtype == np.int8 and codes.shape == table.shape and scales.shape == (32000,)
    error = np.abs(codes * scales[:, None] - table.astype(np.float32))
    assert (error <= scales[:, None] * 0.5001).all()


def test_the_bundles_copy_of_the_table_reads_questions_as_the_package_does(root, tmp_path):
    # the bundle's layout: the int8 table made at build time, the tokenizer file as it is
    written = wordpieces.write_int8_table(
        root / dimensions.WEIGHTS, tmp_path / dimensions.QUANTISED
    )
    assert written.stat().st_size < 8_500_000  # 16.4 MB as float16
    (tmp_path / "tokenizers").mkdir()
    shutil.copy(root / dimensions.TOKENIZER, tmp_path / dimensions.TOKENIZER)
    questions = [text for _, text in dimensions.load_examples()][::10]
    bundled, installed = dimensions.Embedder(tmp_path), dimensions.Embedder(root)
    assert (bundled(questions) == installed(questions)).all()


def test_the_int8_table_embeds_questions_as_the_float16_one(root):
    embed = dimensions.Embedder(root)
    exact = dimensions.Embedder(root)
    table = wordpieces.read_safetensors(root / dimensions.WEIGHTS, "embedding.weight")
    exact._codes, exact._scales = table, np.ones(len(table), np.float32)  # rows as float16
    questions = [text for _, text in dimensions.load_examples()]
    cosine = (embed(questions) * exact(questions)).sum(axis=1)
    assert cosine.min() > 0.9999  # measured 0.99993
