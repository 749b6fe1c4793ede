"""Prompts for the patient's voice.

The prompt is a fixed persona prefix (header and two worked examples, kept in the KV cache), then
one exchange per turn, each carrying a ``Note`` with the only fact the patient may state. A base
model (the default) continues it as a transcript; an instruction model gets the same exchanges as
chat messages rendered through the chat template in its GGUF metadata. Either way the prompt is
append-only, so every new prompt extends the previous one and the cached prefix is reused.

Near the context limit older turns are condensed deterministically (their Notes dropped, then the
oldest turns left out), in one step to well below the limit so that it happens rarely; the
persona prefix is never touched, so its cache survives.

Only a :class:`PatientView` reaches this module: it has no field for the answer key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from simdesk.core.cases.schema import age_old

if TYPE_CHECKING:  # annotations only: the app imports this module before its window shows
    from simdesk.core.cases.schema import Fact, PatientView

DEFAULT_CONTEXT = 2048  # tokens, when neither the registry nor the settings say
STOP = ("\nDoctor:", "\nNote:", "\n\n", "Doctor:")
CHAT_STOP = ("\nNote:", "\n\n")
NO_FACT_NOTE = "(nothing - the patient does not know)"
REPLY_TOKENS = 48  # a patient's reply (two short sentences); the prompt leaves room for it

_EXAMPLES = (
    ("How long have you had the headache?", "Headache for three days, worse in the morning.",
     "It started three days ago, and it is worst when I wake up."),
    ("Do you take any medicines?", "No regular medicines.",
     "No, I don't take any medicines."),
    # A note in the third person ("Denies...", "Drinks..."): said in the first.
    ("Do you smoke or drink?", "Denies smoking. Drinks beer occasionally.",
     "No, I don't smoke, and I drink beer occasionally."),
)  # fmt: skip
# The same examples for someone who speaks for the patient ({he}: the patient's pronoun).
_INFORMANT_EXAMPLES = (
    ("How long has {he} had the fever?", "Fever for three days, worse at night.",
     "{He} has been hot for three days, and it is worse at night."),
    ("Does {he} take any medicines?", "No regular medicines.",
     "No, {he} does not take any medicines."),
    ("Is {he} eating?", "Denies vomiting. Feeds less than usual.",
     "{He} has not vomited, but {he} feeds less than usual."),
)  # fmt: skip


def speaker_label(view: PatientView) -> str:
    """The prompt's label for whoever answers: "Patient", or the informant's relation."""
    informant = view.patient.informant
    return informant.relation.capitalize() if informant else "Patient"


def examples_for(view: PatientView) -> tuple[tuple[str, str, str], ...]:
    if view.patient.informant is None:
        return _EXAMPLES
    he = "he" if view.patient.sex == "male" else "she"
    return tuple(
        tuple(t.format(he=he, He=he.capitalize()) for t in example)
        for example in _INFORMANT_EXAMPLES
    )  # type: ignore[return-value]


@dataclass(frozen=True)
class Exchange:
    """One question, the note it was answered from (None once condensed), and the reply shown."""

    question: str
    note: str | None
    reply: str | None = None


def persona_header(view: PatientView) -> str:
    p = view.patient
    setting = view.setting.replace("_", " ")
    who = "the patient"
    speaker = ""
    if p.informant is not None:
        who = f"the {p.informant.relation}"
        speaker = f" {p.informant.name}, the {p.informant.relation}, answers for the patient."
    return (
        f"A consultation at a {setting}. The patient is {p.name}, {age_old(p.age_years)}, {p.sex}"
        + (f", {p.occupation}" if p.occupation else "")
        + f".{speaker} Speech: {p.persona.speech_style.rstrip('.')}. "
        f"Mood: {p.persona.mood.rstrip('.')}.\n"
        f"Before each answer a Note gives the only thing {who} may say. {who.capitalize()} says "
        "it in their own words, in one short sentence, and adds nothing else.\n\n"
    )


class TranscriptFormat:
    """Base models: a transcript to continue, ended by stop strings."""

    kind = "base"
    stop = STOP

    def render(self, header: str, exchanges: list[Exchange], speaker: str = "Patient") -> str:
        return header + "".join(self._block(e, speaker) for e in exchanges)

    @staticmethod
    def _block(exchange: Exchange, speaker: str = "Patient") -> str:
        note = "" if exchange.note is None else f"\nNote: {exchange.note}"
        head = f"Doctor: {exchange.question}{note}\n{speaker}:"
        return head if exchange.reply is None else f"{head} {exchange.reply}\n\n"


def _raise_exception(message: str) -> None:
    from jinja2 import TemplateError

    raise TemplateError(message)


class ChatTemplateFormat:
    """Instruction models: the exchanges as chat messages through the model's own template."""

    kind = "instruct"
    stop = CHAT_STOP

    def __init__(self, template: str, *, bos_token: str = "", eos_token: str = "") -> None:
        from jinja2.sandbox import ImmutableSandboxedEnvironment  # only instruct models need it

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.globals["raise_exception"] = _raise_exception
        env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
        self._template = env.from_string(template)
        self.bos_token, self.eos_token = bos_token, eos_token
        self.stop = CHAT_STOP + ((eos_token,) if eos_token else ())

    def render(self, header: str, exchanges: list[Exchange], speaker: str = "Patient") -> str:
        from jinja2 import TemplateError

        messages: list[dict[str, str]] = [{"role": "system", "content": header.strip()}]
        for exchange in exchanges:
            note = "" if exchange.note is None else f"\nNote: {exchange.note}"
            messages.append({"role": "user", "content": f"{exchange.question}{note}"})
            if exchange.reply is not None:
                messages.append({"role": "assistant", "content": exchange.reply})
        try:
            text = self._render(messages)
        except TemplateError:  # templates that refuse a system role: fold it into the first turn
            first = {"role": "user", "content": f"{header}{messages[1]['content']}"}
            text = self._render([first, *messages[2:]])
        # llama.cpp adds BOS itself; a second one from the template would harm the reply.
        if self.bos_token and text.startswith(self.bos_token):
            text = text[len(self.bos_token) :]
        return text

    def _render(self, messages: list[dict[str, str]]) -> str:
        return self._template.render(
            messages=messages, add_generation_prompt=True,
            bos_token=self.bos_token, eos_token=self.eos_token,
        )  # fmt: skip


PromptFormat = TranscriptFormat | ChatTemplateFormat


def estimate_tokens(text: str) -> int:
    """A deliberately high token estimate (English runs 3.4-4 characters per token)."""
    return len(text) // 3 + 1


@dataclass
class PatientTranscript:
    """The append-only prompt for one encounter, condensed near the context limit."""

    view: PatientView
    format: PromptFormat = field(default_factory=TranscriptFormat)
    context_tokens: int = DEFAULT_CONTEXT
    reply_tokens: int = REPLY_TOKENS
    count_tokens: Callable[[str], int] = estimate_tokens
    keep_recent: int = 4
    turns: list[Exchange] = field(default_factory=list)
    first_kept: int = 0  # turns before this are left out
    notes_from: int = 0  # turns before this have their Note dropped

    @property
    def header(self) -> str:
        return persona_header(self.view)

    @property
    def examples(self) -> list[Exchange]:
        return [Exchange(q, n, r) for q, n, r in examples_for(self.view)]

    @property
    def speaker(self) -> str:
        return speaker_label(self.view)

    @property
    def prefix(self) -> str:
        """The persona prefix every prompt starts with."""
        return self.format.render(self.header, self.examples, self.speaker)

    def _render(self, open_turn: Exchange) -> str:
        kept = [
            e if i >= self.notes_from else Exchange(e.question, None, e.reply)
            for i, e in enumerate(self.turns) if i >= self.first_kept
        ]  # fmt: skip
        return self.format.render(self.header, [*self.examples, *kept, open_turn], self.speaker)

    def prompt_for(self, question: str, facts: tuple[Fact, ...]) -> str:
        """The prompt that asks the model to answer ``question`` voicing only ``facts``."""
        open_turn = Exchange(question, note_for(facts))
        prompt = self._render(open_turn)
        limit = self.context_tokens - self.reply_tokens
        if self.count_tokens(prompt) <= limit:
            return prompt
        # Condense once, to well below the limit, so the next turns extend the prompt again.
        target = limit * 0.6
        recent = max(self.first_kept, len(self.turns) - self.keep_recent)
        self.notes_from = max(self.notes_from, recent)
        prompt = self._render(open_turn)
        while self.count_tokens(prompt) > target and self.first_kept < len(self.turns):
            self.first_kept += 1
            self.notes_from = max(self.notes_from, self.first_kept)
            prompt = self._render(open_turn)
        return prompt

    def append(self, question: str, facts: tuple[Fact, ...], reply: str) -> None:
        """Record the reply that was shown, so the next prompt extends this one."""
        self.turns.append(Exchange(question, note_for(facts), reply))


def note_for(facts: tuple[Fact, ...]) -> str:
    return " ".join(f.content for f in facts) if facts else NO_FACT_NOTE


def prompt_format_for(kind: str, chat_template: str | None, bos: str = "", eos: str = ""):
    """The prompt format for a model of ``kind`` (``base`` or ``instruct``)."""
    if kind == "instruct" and chat_template:
        return ChatTemplateFormat(chat_template, bos_token=bos, eos_token=eos)
    return TranscriptFormat()
