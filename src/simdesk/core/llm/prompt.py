"""Prompts for the patient's voice.

The default model is a base model, so the prompt is a transcript to continue: a fixed persona
header and two worked examples (the prefix that stays in the KV cache), then one block per turn.
Each block carries a ``Note`` with the only fact the patient may state. The transcript is
append-only, so every new prompt extends the previous one and the cached prefix is reused.

Only a :class:`PatientView` reaches this module: it has no field for the answer key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simdesk.core.cases.schema import Fact, PatientView

STOP = ("\nDoctor:", "\nNote:", "\n\n", "Doctor:")
NO_FACT_NOTE = "(nothing - the patient does not know)"

_EXAMPLES = (
    ("How long have you had the headache?", "Headache for three days, worse in the morning.",
     "It started three days ago, and it is worst when I wake up."),
    ("Do you take any medicines?", "No regular medicines.",
     "No, I don't take any medicines."),
)  # fmt: skip


def persona_header(view: PatientView) -> str:
    p = view.patient
    setting = view.setting.replace("_", " ")
    return (
        f"A consultation at a {setting}. The patient is {p.name}, {p.age_label} old, {p.sex}, "
        f"{p.occupation}. Speech: {p.persona.speech_style}. Mood: {p.persona.mood}.\n"
        "Before each answer a Note gives the only thing the patient may say. The patient says "
        "it in their own words, in one short sentence, and adds nothing else.\n\n"
    )


def _block(question: str, note: str, reply: str | None) -> str:
    head = f"Doctor: {question}\nNote: {note}\nPatient:"
    return head if reply is None else f"{head} {reply}\n\n"


@dataclass
class PatientTranscript:
    """The append-only prompt for one encounter."""

    view: PatientView
    turns: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        examples = "".join(_block(q, n, r) for q, n, r in _EXAMPLES)
        return persona_header(self.view) + examples

    def prompt_for(self, question: str, facts: tuple[Fact, ...]) -> str:
        """The prompt that asks the model to answer ``question`` voicing only ``facts``."""
        return self.prefix + "".join(self.turns) + _block(question, note_for(facts), None)

    def append(self, question: str, facts: tuple[Fact, ...], reply: str) -> None:
        """Record the reply that was shown, so the next prompt extends this one."""
        self.turns.append(_block(question, note_for(facts), reply))


def note_for(facts: tuple[Fact, ...]) -> str:
    return " ".join(f.content for f in facts) if facts else NO_FACT_NOTE
