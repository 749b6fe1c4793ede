"""Diagnosis matching: a clinically different diagnosis is never accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simdesk.core.assess.diagnosis import (
    Comparison,
    ask_model,
    compare,
    judge_differential,
)
from simdesk.core.assess.errors import AssessError
from simdesk.core.cases.schema import Diagnosis

PAIRS = yaml.safe_load((Path(__file__).parent / "diagnosis_pairs.yaml").read_text())
SAME = [(str(s), str(e)) for s, e in PAIRS["same"]]
NEAR_MISSES = [(str(s), str(e)) for s, e in PAIRS["near_misses"]]
SUBTYPES = [(str(s), str(e)) for s, e in PAIRS["subtypes"]]

MALARIA = Diagnosis(
    primary="severe falciparum malaria (cerebral malaria)",
    aliases=["cerebral malaria", "severe malaria", "CM"],
    acceptable_differentials=["bacterial meningitis", "sepsis"],
    must_not_miss=["bacterial meningitis", "hypoglycaemia"],
)


def test_the_pair_set_is_large_and_has_near_misses():
    assert len(SAME) + len(NEAR_MISSES) >= 150
    assert len(NEAR_MISSES) >= 100


def test_no_near_miss_is_ever_judged_the_same():
    false_same = [(s, e) for s, e in NEAR_MISSES + SUBTYPES if compare(s, e).verdict == "same"]
    assert false_same == []


def test_near_misses_are_judged_the_same_in_neither_direction():
    false_same = [(e, s) for s, e in NEAR_MISSES + SUBTYPES if compare(e, s).verdict == "same"]
    assert false_same == []


def test_most_true_pairs_are_recognised():
    recognised = [pair for pair in SAME if compare(*pair).verdict == "same"]
    print(f"recognised {len(recognised)} of {len(SAME)} true pairs")
    assert len(recognised) >= 0.95 * len(SAME)


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        ("central retinal vein occlusion", "central retinal artery occlusion"),
        ("duodenal ulcer", "gastric ulcer"),
        ("atrial flutter", "atrial fibrillation"),
        ("NSTEMI", "STEMI"),
        ("type 1 diabetes", "type 2 diabetes"),
        ("CML", "acute myeloid leukaemia"),
    ],
)
def test_the_issues_examples_are_different_with_a_reason(submitted, expected):
    verdict = compare(submitted, expected)
    assert verdict.verdict == "different"
    assert verdict.reason


def test_unsure_cases_say_why():
    assert compare("malaria", "severe malaria").reason == "less specific: does not say 'severe'"
    assert compare("tuberculossis", "tuberculosis").verdict == "unsure"
    assert compare("hypertenson", "hypotension").verdict == "different"


def test_a_correct_first_choice():
    result = judge_differential(["Cerebral Malaria", "meningitis"], MALARIA)
    assert (result.outcome, result.credit, result.matched_rank) == ("correct", 1.0, 1)
    assert result.judged_by == "rules"


def test_the_primary_lower_in_the_list_is_partial():
    result = judge_differential(["sepsis", "severe malaria"], MALARIA)
    assert result.outcome == "partially_correct"
    assert result.matched_rank == 2


def test_an_acceptable_differential_first_is_partial():
    result = judge_differential(["bacterial meningitis", "pneumonia"], MALARIA)
    assert result.outcome == "partially_correct"
    assert result.matched == "bacterial meningitis"


def test_must_not_miss_alternatives_are_reported():
    result = judge_differential(["cerebral malaria", "hypoglycemia"], MALARIA)
    considered = {m.name: (m.considered, m.rank) for m in result.must_not_miss}
    assert considered == {"bacterial meningitis": (False, None), "hypoglycaemia": (True, 2)}


def test_a_wrong_diagnosis_is_incorrect_and_empty_is_not_submitted():
    assert judge_differential(["viral meningitis"], MALARIA).outcome == "incorrect"
    assert judge_differential([], MALARIA).outcome == "not_submitted"
    assert judge_differential(["  "], MALARIA).outcome == "not_submitted"


def test_bad_differentials_are_refused_with_a_fix():
    with pytest.raises(AssessError, match="not a diagnosis name") as info:
        judge_differential(["malaria", 3], MALARIA)
    assert info.value.fix
    with pytest.raises(AssessError, match="must be a list"):
        judge_differential({"dx": "malaria"}, MALARIA)


def test_the_model_is_asked_only_when_unsure():
    asked: list[str] = []

    def generate(prompt: str, stop: tuple[str, ...], max_tokens: int) -> str:
        asked.append(prompt)
        return " yes - a named form of the same disease"

    assert judge_differential(["viral meningitis"], MALARIA, generate).outcome == "incorrect"
    assert judge_differential(["cerebral malaria"], MALARIA, generate).outcome == "correct"
    assert asked == []
    unsure = judge_differential(["malaria"], MALARIA, generate)
    assert len(asked) == 1
    assert unsure.judged_by == "model"
    assert unsure.outcome == "partially_correct"  # a model judgement never earns full credit
    assert unsure.reason.startswith("model judgement")
    assert unsure.model_judgement.reason == "a named form of the same disease"


def test_a_model_no_or_nonsense_leaves_the_result_incorrect():
    def says(text):
        return lambda prompt, stop, max_tokens: text

    no = judge_differential(["malaria"], MALARIA, says("no - not severe"))
    assert (no.outcome, no.model_judgement.same) == ("incorrect", False)
    vague = judge_differential(["malaria"], MALARIA, says("The patient"))
    assert vague.outcome == "incorrect"
    assert vague.model_judgement.same is None


def test_the_model_may_never_judge_a_different_verdict():
    with pytest.raises(ValueError):
        ask_model(Comparison("duodenal ulcer", "gastric ulcer", "different", "x"), lambda *a: "yes")


@pytest.mark.model
def test_the_real_model_gives_a_marked_judgement_on_an_unsure_pair(default_model):
    from simdesk.app.model import ModelService

    with ModelService(default_model, n_ctx=1024).start() as model:
        model.wait_ready()
        result = judge_differential(["malaria"], MALARIA, model.generate)
    assert result.unsure is not None
    assert result.model_judgement is not None
    assert result.model_judgement.raw or result.model_judgement.same is None
    assert result.outcome in ("partially_correct", "incorrect")
    assert result.credit <= 0.5


def _judged(submitted: str, primary: str, aliases=()) -> str:
    return judge_differential(
        [submitted], Diagnosis(primary=primary, aliases=list(aliases))
    ).outcome


@pytest.mark.parametrize(
    ("submitted", "primary"),
    [
        ("seborrhoeic keratosis", "Seborrheic keratosis"),  # British spelling
        ("Benign paroxysmal positional vertigo (BPPV)", "Benign paroxysmal positional vertigo"),
        ("SJS", "Stevens-Johnson syndrome"),  # initials the lexicon does not know otherwise
        ("IVH", "Intraventricular haemorrhage"),  # a word part's initial: intra-ventricular
        ("CoA", "Coarctation of the aorta"),  # a small letter for a small word ("of")
        ("ToF", "Tetralogy of Fallot"),
        ("adenocarcinoma of the pancreas", "Pancreatic adenocarcinoma"),  # the organ, no plural
        ("ruptured uterus", "Uterine rupture"),  # a past participle for its noun
        ("pyoderma gangrenosa", "Pyoderma gangrenosum"),  # another Latin ending
        ("Listeria infection", "Listeriosis"),  # a genus for the infection named for it
        ("hyaline membrane disease", "Neonatal respiratory distress syndrome"),  # MONDO's label
        ("venous insufficiency", "Chronic venous insufficiency"),  # ICD-10-CM's "(chronic)"
        ("congenital German measles", "Congenital rubella"),  # a part renamed (rubella)
        ("CLL/SLL", "Chronic lymphocytic leukemia"),  # MONDO's "A/B" label, abbreviated so
        ("B-cell chronic lymphocytic leukemia", "Chronic lymphocytic leukemia"),  # its class
        ("cystosarcoma phyllodes", "Phyllodes tumor"),  # MeSH's lumped "..., malignant"
        ("coarctation", "Coarctation of the aorta"),  # "TGA with coarctation" names TGA
        ("genito-pelvic pain/penetration disorder", "Genitopelvic pain disorder"),  # either
        ("fifth disease", "Erythema infectiosum"),  # ICD-10-CM: [fifth disease]
        ("frozen shoulder", "Adhesive capsulitis of shoulder"),  # ICD-10-CM inclusion term
        (
            "Russell's viper envenoming with coagulopathy",
            "Russell's viper envenoming with coagulopathy",
        ),
    ],
)
def test_synonyms_abbreviations_and_spellings_are_accepted(submitted, primary):
    assert _judged(submitted, primary) == "correct"


def test_an_ordinary_word_inside_a_name_is_not_expanded_into_a_disease():
    # "consumption" in a coagulopathy's name is not tuberculosis.
    key = "venom-induced consumption coagulopathy"
    assert _judged("venom induced consumption coagulopathy", key) == "correct"
    assert _judged("tuberculosis", key) == "incorrect"
    assert _judged("VSD", "Atrial septal defect") == "incorrect"  # other initials
    assert _judged("IH", "Intraventricular haemorrhage") == "correct"  # the whole words' too
    assert _judged("IVH", "Interstitial haemorrhage") == "incorrect"  # no part 'stitial'
    assert _judged("CoA", "Coarctation aorta") == "incorrect"  # no small word for its 'o'
    assert _judged("appendicitis/ovarian torsion", "Ovarian torsion") != "correct"  # two names
    assert _judged("ileus", "Ileum perforation") == "incorrect"  # a short stem keeps its ending
    assert _judged("Listeria infection", "Leptospirosis") == "incorrect"
    assert _judged("hyaline membrane disease", "Acute respiratory distress syndrome") == (
        "incorrect"
    )
    assert _judged("perforated ulcer", "Perforation of the bowel") == "incorrect"
    # "esophageal atresia/tracheoesophageal fistula" names neither alone: each is a label.
    assert _judged("tracheoesophageal fistula", "Esophageal atresia") == "incorrect"


def test_a_less_specific_name_of_the_same_site_is_correct_and_the_debrief_names_the_key():
    # MONDO files pancreatic adenocarcinoma under malignant pancreatic neoplasm ("pancreatic
    # cancer", "carcinoma of the pancreas"): correct care named less precisely.
    result = judge_differential(
        ["pancreatic cancer"], Diagnosis(primary="Pancreatic adenocarcinoma")
    )
    assert result.outcome == "correct"
    assert "the more specific name is Pancreatic adenocarcinoma" in result.reason
    assert _judged("carcinoma of the pancreas", "Pancreatic adenocarcinoma") == "correct"
    assert _judged("gastric cancer", "Gastric adenocarcinoma") == "correct"
    # A class without the site, an organ's grouping, a sibling: not accepted.
    assert _judged("adenocarcinoma", "Pancreatic adenocarcinoma") == "incorrect"
    assert _judged("pancreas disorder", "Pancreatic adenocarcinoma") == "incorrect"
    assert _judged("chronic pancreatitis", "Pancreatic adenocarcinoma") == "incorrect"
    # No site in the key: MONDO files pneumonia under pneumonitis, another disease in practice.
    assert _judged("pneumonitis", "Pneumonia") == "incorrect"
    # A qualifier the key lacks: ARDS is filed above the newborn's syndrome.
    assert (
        _judged("acute respiratory distress syndrome", "Neonatal respiratory distress syndrome")
        == "incorrect"
    )
    # The class holds a diagnosis the case tells apart: naming it chooses nothing.
    key = Diagnosis(
        primary="Pancreatic adenocarcinoma",
        acceptable_differentials=["Pancreatic neuroendocrine carcinoma"],
    )
    assert judge_differential(["pancreatic cancer"], key).outcome == "incorrect"


@pytest.mark.parametrize(
    ("submitted", "expected", "verdict"),
    [
        ("Clostridioides difficile colitis", "C. difficile colitis", "same"),
        ("C diff colitis", "C. difficile colitis", "different"),  # no species: no genus
        ("C. difficile colitis", "Clostridium difficile colitis", "same"),
        ("C. difficile colitis", "Clostridium perfringens colitis", "different"),
        ("hepatitis B", "hepatitis Bunyavirus", "different"),  # a letter that names a type
    ],
)
def test_an_abbreviated_genus_is_the_genus_the_other_name_writes_out(submitted, expected, verdict):
    assert compare(submitted, expected).verdict == verdict
    assert compare(expected, submitted).verdict == verdict


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("melanocytic naevus", "melanocytic nevus"),  # ae -> e
        ("manoeuvre injury", "maneuver injury"),  # oe -> e, -vre -> -ver
        ("fibre embolism", "fiber embolism"),  # -bre -> -ber
        ("behavioural disorder", "behavioral disorder"),  # -our -> -or
        ("Hirschsprung's disease", "Hirschsprung disease"),  # possessive eponym
    ],
)
def test_british_spellings_and_possessives_by_general_rules(british, american):
    assert compare(british, american).verdict == "same"


@pytest.mark.parametrize(
    ("possessive", "plain", "near_miss"),
    [
        ("Sjögren's syndrome", "Sjogren syndrome", "Sheehan syndrome"),
        ("Sheehan's syndrome", "Sheehan syndrome", "Sjogren syndrome"),
        ("Still's disease", "Still disease", "Stargardt disease"),
        ("Sydenham's chorea", "Sydenham chorea", "Huntington chorea"),
    ],
)
def test_a_possessive_s_is_no_abbreviated_genus(possessive, plain, near_miss):
    # The "s" after an apostrophe was read as a genus initial and written out as the other
    # name's word starting with "s" ("Sjögren'Sjogren syndrome"): no word in common.
    assert compare(possessive, plain).verdict == "same"
    assert compare(plain, possessive).verdict == "same"
    assert compare(possessive, near_miss).verdict == "different"
    assert compare(near_miss, possessive).verdict == "different"


@pytest.mark.parametrize(
    ("written", "other", "same"),
    [
        ("exanthem subitum", "Exanthema subitum", True),  # -em beside the Greek -ema
        ("enanthem", "enanthema", True),
        ("oedema of the lung", "pulmonary edema", True),
        ("exanthem subitum", "enanthema subitum", False),  # another word, not an ending
        ("empyema", "emphysema", False),
    ],
)
def test_a_greek_ema_noun_may_be_written_without_its_final_a(written, other, same):
    assert (compare(written, other).verdict == "same") is same
    assert (compare(other, written).verdict == "same") is same


@pytest.mark.parametrize(
    ("written", "other", "same"),
    [
        ("3rd nerve palsy", "third nerve palsy", True),  # a written ordinal is its word
        ("cranial nerve III palsy", "third cranial nerve palsy", True),  # roman after "nerve"
        ("cranial nerve 6 palsy", "sixth cranial nerve palsy", True),
        ("first-degree heart block", "1st degree heart block", True),
        ("fourth nerve palsy", "third nerve palsy", False),
        ("cranial nerve VII palsy", "cranial nerve VI palsy", False),
        ("second degree burn", "third degree burn", False),
    ],
)
def test_ordinals_and_roman_numerals_are_numbers(written, other, same):
    assert (compare(written, other).verdict == "same") is same
    assert (compare(other, written).verdict == "same") is same


@pytest.mark.parametrize(
    ("written", "other", "same"),
    [
        ("vitamin B-12 deficiency", "vitamin B12 deficiency", True),  # a letter-number name
        ("vitamin B 12 deficiency", "vitamin B12 deficiency", True),  # after "vitamin"
        ("C-3 glomerulopathy", "C3 glomerulopathy", True),
        ("vitamin B-6 deficiency", "vitamin B12 deficiency", False),
        ("vitamin B 1 deficiency", "vitamin B12 deficiency", False),
    ],
)
def test_a_letter_and_its_number_are_one_name_however_joined(written, other, same):
    assert (compare(written, other).verdict == "same") is same
    assert (compare(other, written).verdict == "same") is same


def test_determiners_and_pronouns_name_no_disease():
    assert compare(
        "rupture of the tendon at its insertion", "tendon rupture at insertion"
    ).verdict == ("same")
    assert compare("pneumonia of their lungs", "pneumonia of the lungs").verdict == "same"
    # "His" is an eponym (the bundle of His): another bundle is another name.
    assert compare("bundle of His block", "bundle block").verdict != "same"


def test_the_spelling_rules_leave_short_words_alone():
    # "four" and "hour" are not -our spellings; "four" stays a number word after "grade".
    assert compare("grade four glioma", "grade 4 glioma").verdict == "same"
    assert compare("four hour fever", "for fever").verdict != "same"
