"""Authored lines judged by the guard against their own cue questions.

Every bundled fact's authored line is what the patient says when the model's text is refused, so
the guard must pass it for the questions the author wrote it for. A guard rule that starts
refusing authored lines (a wider relevance rule, a stricter tense or negation check) shows here
before it costs the learner the model's voice. The guard is built as the app builds it
(``Consultation.guard_for``: persona, answer key, never-says list, the case's other facts)."""

from __future__ import annotations

from simdesk.core.consultation import Consultation
from tests.eval.harness import playable_cases

# Measured 1393 of 1475 (2026-12-07, with the 'still'/'no longer' rule b2d01c6 and the
# condition rule e4f19d0; 1393 before them too). The 82 refused are mostly lines that answer a
# wider cue than their own words ("any other symptoms?" -> one symptom).
LEAST_PASSED = 1393


def test_authored_lines_pass_the_guard_for_their_own_cues():
    passed, refused = 0, []
    for case_id, case in sorted(playable_cases().items()):
        consultation = Consultation(case)
        for fact in case.facts:
            for cue in fact.cues:
                verdict = consultation.guard_for((fact,), cue).check(fact.patient_says)
                passed += verdict.ok
                if not verdict.ok:
                    refused.append(f"{case_id}/{fact.id} {cue!r}: {verdict.reason}")
    assert passed >= LEAST_PASSED, f"{passed} passed; refused:\n" + "\n".join(refused)
