"""A more specific form of the case's diagnosis names the case's diagnosis (issue 17, item 5).

The lead's clinical decision: a learner who names a subtype of the case's diagnosis has named it
(correct care is never penalised); the debrief keeps the case's own name and says which subtype
was named. The subtype is read from MONDO's is_a links (the shipped table), not from a list:
a name MONDO files under the key's one disease is accepted; a sibling, a broader class, a form
of a grouping with many forms, and a form the case must show (an age band, a part of the body)
are not. Real terminology data throughout.
"""

from __future__ import annotations

import pytest

from simdesk.core.assess import terminology
from simdesk.core.assess.diagnosis import judge_differential, word_key
from simdesk.core.cases.schema import Diagnosis


def _judged(name: str, key: Diagnosis | str):
    key = Diagnosis(primary=key) if isinstance(key, str) else key
    return judge_differential([name], key)


@pytest.mark.parametrize(
    ("name", "key", "filed"),
    [
        ("Pick's disease", "Frontotemporal Dementia", "Pick disease"),
        ("Pick disease", "Frontotemporal Dementia", "Pick disease"),
        ("pancreatic ductal adenocarcinoma", "Pancreatic adenocarcinoma", "pancreatic ductal"),
        ("PDAC", "Pancreatic adenocarcinoma", "pancreatic ductal adenocarcinoma"),  # its initials
        ("viral labyrinthitis", "Labyrinthitis", "viral labyrinthitis"),
        ("meningococcal meningitis", "bacterial meningitis", "meningococcal meningitis"),
    ],
)
def test_a_subtype_mondo_files_under_the_key_is_the_key(name, key, filed):
    result = _judged(name, key)
    assert result.outcome == "correct", result.reason
    # The debrief keeps the case's own name and says the learner's is more specific.
    assert result.reason.startswith(f"first choice is {key}; more specific than {key}: ")
    assert f"MONDO files {filed}" in result.reason


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # siblings: filed under the same class as the key, not under the key
        ("behavioral variant of frontotemporal dementia", "Pick disease"),
        ("purulent labyrinthitis", "viral labyrinthitis"),
        ("pancreatic acinar cell carcinoma", "pancreatic ductal adenocarcinoma"),
        ("chronic pancreatitis", "Pancreatic adenocarcinoma"),
        # broader classes: the key is filed under them
        ("frontotemporal dementia", "Pick disease"),
        ("dementia", "Frontotemporal Dementia"),
        ("neoplasm", "Pancreatic adenocarcinoma"),
        ("disease", "Labyrinthitis"),
        ("bacterial meningitis", "meningococcal meningitis"),
    ],
)
def test_a_sibling_or_a_broader_class_is_not_the_key(name, key):
    assert _judged(name, key).outcome != "correct"


def test_the_forms_of_a_grouping_are_not_its_synonyms():
    # MONDO files 38 diseases under pneumonia, eosinophilic and organizing pneumonia among them:
    # naming one of them for a case of pneumonia is naming another disease.
    below = terminology.mondo_descendants(
        next(iter(terminology.mondo_terms("Pneumonia", word_key))), word_key
    )
    assert len(below) > 20
    for name in ("eosinophilic pneumonia", "cryptogenic organizing pneumonia"):
        assert _judged(name, "Pneumonia").outcome != "correct", name
    # A very general grouping never makes what is below it the key either.
    assert _judged("Pick disease", "disease").outcome != "correct"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # MONDO files B-cell chronic lymphocytic leukemia under acute lymphoblastic leukemia
        ("chronic lymphocytic leukemia", "Acute lymphoblastic leukemia"),
        # ... cholecystitis (of the gallbladder) under cholangitis (of the bile ducts)
        ("cholecystitis", "cholangitis"),
        # ... the newborn's respiratory distress syndrome under the acute one: only the case
        # could say the patient is a newborn
        ("hyaline membrane disease", "Acute respiratory distress syndrome"),
        # ... the testis's granulosa cell tumour under granulosa cell tumour: the case must
        # name the part of the body
        ("testicular granulosa cell tumor", "Granulosa cell tumor"),
    ],
)
def test_a_subtype_that_says_what_the_key_does_not_allow_is_not_the_key(name, key):
    assert name  # MONDO files each under the key (see the comments); none is accepted
    assert _judged(name, key).outcome != "correct"


def test_a_subtype_the_case_tells_apart_is_not_the_key():
    key = Diagnosis(primary="Labyrinthitis", must_not_miss=["purulent labyrinthitis"])
    assert _judged("purulent labyrinthitis", key).outcome != "correct"
    assert _judged("viral labyrinthitis", key).outcome == "correct"
