"""The patient now: questions about how they are answered from the simulated state."""

import pytest

from simdesk.core.cases.loader import load_case
from simdesk.core.consultation import Consultation
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.state import state_topic


def _case(case_id):
    return load_case(bundled_cases_dir() / f"{case_id}.yaml")


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("How do you feel now?", "general"),
        ("Is the pain better?", "pain"),
        ("How is your breathing?", "breathing"),
        ("Any better since the oxygen?", "general"),
        ("How is he doing now?", "general"),
        ("Is the bleeding still going on?", "bleeding"),
        # history questions stay with the facts
        ("How is your appetite?", None),
        ("What makes the pain worse?", None),
        ("Is it worse when you lie down?", None),
        ("How long have you had the pain?", None),
        ("Do you still smoke?", None),
        ("Where was the pain at first, and where is it now?", None),  # seen in the model run
        ("Are you working at the moment?", None),  # seen in the model run
        # a pattern in time or circumstance is history (seen by a new user on an imported
        # myasthenia case: "About the same, doctor." denied the fatigability the record gives)
        ("Is it worse at the end of the day?", None),
        ("Does it get worse after activity?", None),
        ("Is the pain worse at night?", None),
        ("Is your breathing better in the mornings?", None),
        ("Any better after the salbutamol?", "general"),
        ("Is the pain getting worse?", "pain"),
        # when it began is history (seen in the 200-question run with the logit bias: "The pain
        # is the same as before, no better and no worse.")
        ("Did the vomiting start before or after the pain?", None),
        ("When did the pain first start after the fall?", None),
    ],
)
def test_questions_about_now_are_told_apart_from_history(question, topic):
    assert state_topic(question) == topic


def test_breathing_after_oxygen_and_salbutamol_is_answered_from_the_state():
    # Issue 12: after oxygen and salbutamol took SpO2 from 87 to 94, "How is your breathing
    # now?" got "Not sure...".
    consultation = Consultation(_case("acute-severe-asthma-adult"))
    encounter = consultation.encounter
    pending = consultation.ask("How is your breathing now?")
    [fact] = pending.turn.facts
    assert "same as before" in fact.content and pending.prompt is not None
    assert pending.turn.authored_reply.startswith("Same... still tight")  # the case's line
    consultation.finish(pending, voiced=False)
    spo2 = encounter.vitals["spo2"]
    encounter.treat("oxygen")
    encounter.treat("salbutamol nebuliser")
    encounter.wait(30)
    assert encounter.vitals["spo2"] > spo2
    pending = consultation.ask("How is your breathing now?")
    [fact] = pending.turn.facts
    assert (
        fact.content == "The breathing is better than before since the oxygen and the "
        "medicine for breathing."
    )
    assert pending.turn.authored_reply.startswith("Breathing... bit easier now")
    assert f"Note: {fact.content}" in pending.prompt
    # The guard checks the model against the state: "worse" or "not sure" cannot pass.
    guard = pending.stream.guard
    assert guard.check("It is easier now since the oxygen.").ok
    assert not guard.check("It is worse.").ok and not guard.check("Not sure.").ok
    # Nothing given since: the next answer compares with this one.
    consultation.finish(pending, voiced=False)
    pending = consultation.ask("Any better?")
    assert "since" not in pending.turn.facts[0].content


def test_untreated_patient_gets_worse_and_defaults_speak_for_any_case():
    consultation = Consultation(_case("septic-shock-urosepsis"))  # no state_lines authored
    consultation.encounter.wait(120)
    pending = consultation.ask("How are you feeling now?")
    assert pending.turn.facts[0].content.startswith("Feels worse than before")
    assert pending.turn.authored_reply == "I feel worse, doctor."


def test_an_informant_speaks_of_the_patient_in_the_third_person():
    consultation = Consultation(_case("diarrhoea-severe-dehydration-toddler"))
    consultation.encounter.treat("plan C")
    consultation.encounter.wait(60)
    pending = consultation.ask("How is he now?")
    assert pending.turn.authored_reply == "He seems a little better now, doctor."


@pytest.mark.model
def test_the_real_model_voices_the_state_and_never_streams_what_the_guard_refuses(
    tmp_path, capsys, default_model
):
    import json

    from simdesk.cli import main

    script = tmp_path / "script.yaml"
    script.write_text(
        "steps:\n  - ask: How is your breathing now?\n  - treat: oxygen\n"
        "  - treat: salbutamol nebuliser\n  - wait: 30\n  - ask: How is your breathing now?\n"
        "  - ask: Do you smoke?\n  - ask: Are you coughing anything up?\n"
    )
    assert main(["run-script", "acute-severe-asthma-adult", str(script), "--json"]) == 0
    asked = [s for s in json.loads(capsys.readouterr().out)["steps"] if s["action"] == "ask"]
    case = _case("acute-severe-asthma-adult")
    unsure = set(case.patient.unsure_lines)
    assert asked[1]["facts"] == ["state-breathing"] and asked[1]["reply"] not in unsure
    if not asked[1]["model_text_used"]:
        assert asked[1]["reply"] == "Breathing... bit easier now. Thank you, sir."
    for step in asked:
        assert step["reply"].startswith(step["released"])  # nothing shown was taken back
        if step["model_text_used"]:
            assert not any(w in step["reply"].lower() for w in ("worse", "not sure", "never"))
