"""Prompt formats (base transcript, chat template) and condensing near the context limit."""

from __future__ import annotations

import pytest

from simdesk.core.consultation import Consultation
from simdesk.core.llm.prompt import ChatTemplateFormat, estimate_tokens, prompt_format_for

from .conftest import CHATML

REFUSES_SYSTEM = (
    "{% if messages[0].role == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
    "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
)


def _questions(case) -> list[str]:
    return [cue for fact in case.facts for cue in fact.cues]


def _play(consultation: Consultation, questions: list[str]) -> list[str]:
    prompts = []
    for question in questions:
        pending = consultation.ask(question)
        if pending.prompt is not None:
            prompts.append(pending.prompt)
        consultation.finish(pending)
    return prompts


def test_chat_template_prompts_are_append_only_and_carry_no_answer_key(tb_case):
    chat = prompt_format_for("instruct", CHATML, "<s>", "</s>")
    consultation = Consultation(tb_case, prompt_format=chat)
    prompts = _play(consultation, _questions(tb_case)[:6])
    assert len(prompts) >= 3
    assert prompts[0].startswith("<|im_start|>system\nA consultation at")
    assert all(p.endswith("<|im_start|>assistant\n") for p in prompts)
    for earlier, later in zip(prompts, prompts[1:], strict=False):
        assert later.startswith(earlier.removesuffix("<|im_start|>assistant\n"))
    assert tb_case.answer_key.diagnosis.primary.lower() not in prompts[-1].lower()
    assert "</s>" in consultation.ask("Do you smoke?").stop


def test_a_template_that_refuses_a_system_role_gets_it_in_the_first_turn(tb_case):
    chat = ChatTemplateFormat(REFUSES_SYSTEM, bos_token="<bos>")
    prompt = Consultation(tb_case, prompt_format=chat).ask(_questions(tb_case)[0]).prompt
    assert prompt.startswith("[user] A consultation at")  # BOS left to llama.cpp
    assert "[system]" not in prompt and prompt.endswith("[assistant]")


def test_base_models_get_the_transcript():
    assert prompt_format_for("base", CHATML).kind == "base"
    assert prompt_format_for("instruct", None).kind == "base"  # no template to use


@pytest.mark.parametrize("kind", ["base", "instruct"])
def test_condensing_keeps_the_persona_prefix_fits_and_is_deterministic(tb_case, kind):
    def run() -> tuple[Consultation, list[str]]:
        fmt = prompt_format_for(kind, CHATML, "<s>", "</s>")
        consultation = Consultation(tb_case, prompt_format=fmt, context_tokens=700)
        return consultation, _play(consultation, _questions(tb_case) * 3)

    consultation, prompts = run()
    transcript = consultation.transcript
    limit = transcript.context_tokens - transcript.reply_tokens
    prefix = transcript.format.render(transcript.header, transcript.examples)
    if kind == "instruct":
        prefix = prefix.removesuffix("<|im_start|>assistant\n")
    assert all(p.startswith(prefix) for p in prompts)
    assert all(estimate_tokens(p) <= limit for p in prompts)
    assert transcript.first_kept > 0  # older turns were condensed away
    breaks = sum(
        not later.startswith(earlier[: len(earlier) - 30])
        for earlier, later in zip(prompts, prompts[1:], strict=False)
    )
    assert 0 < breaks <= len(prompts) // 4  # condensing is rare; between, prompts extend
    assert run()[1] == prompts
