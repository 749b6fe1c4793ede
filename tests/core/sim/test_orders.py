"""Orders with intent: the issue's own examples (the tuning set) and the hold-out's pinned floor."""

from __future__ import annotations

import pytest

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.sim.orders import INTENTS, OrderReader
from tests.eval.orders.evaluate import HERE, evaluate


@pytest.fixture(scope="module")
def reader():
    return OrderReader(load_catalog())


def read(reader, text, prefer=()):
    reader = OrderReader(reader.catalog, set(prefer)) if prefer else reader
    parsed = reader.read(text)
    return [(i.code, i.intent, i.planned) for i in parsed.items], parsed


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("remove the ligature from her thigh", [("tourniquet", "remove", False)]),
        # record 22 in a real window: "not a treatment this site knows" (WHO STI first line)
        ("doxycycline 100mg bd for 7 days", [("doxycycline", "give", False)]),
        ("remove the tight cloth tied around the leg", [("tourniquet", "remove", False)]),
        ("cut the ligature", [("tourniquet", "remove", False)]),
        ("cut the bite and suck the venom", [("incision-suction", "give", False)]),
        ("apply a tourniquet", [("tourniquet", "give", False)]),
        ("hold her amlodipine and diuretic",
         [("antihypertensive-oral", "hold", False), ("diuretic", "hold", False)]),
        ("hold the antihypertensives",
         [("antihypertensive-oral", "hold", False), ("antihypertensive-acute", "hold", False)]),
        ("admit to HDU", [("icu-referral", "give", False)]),
        ("diazepam if fitting", [("diazepam", "give", True)]),
        ("paracetamol PRN", [("paracetamol", "give", True)]),
        ("if she fits again, give diazepam", [("diazepam", "give", True)]),
        ("Ringer's lactate 30 ml/kg over 30 minutes then 70 ml/kg over 2.5 hours",
         [("iv-fluids-plan-c", "give", False)]),
        ("0.9% sodium chloride 1 litre over 1 hour", [("iv-crystalloid-bolus", "give", False)]),
        ("RL 500 ml over 15 min", [("iv-crystalloid-bolus", "give", False)]),
        ("normal saline at 80 ml/h", [("iv-fluids-maintenance", "give", False)]),
        ("1 L saline over 8 hours", [("iv-fluids-maintenance", "give", False)]),
        ("stop the IV fluids", [("iv-fluids-maintenance", "stop", False)]),
        ("no fluid boluses", [("iv-crystalloid-bolus", "avoid", False)]),
        ("ampicillin and gentamicin", [("ampicillin-gentamicin", "give", False)]),
        ("ceftriaxone 2 g IV, metronidazole 500 mg IV",
         [("ceftriaxone", "give", False), ("metronidazole", "give", False)]),
        ("nifedipine 10 mg PO, repeat if BP still high",
         [("antihypertensive-acute", "give", False)]),
        ("reduce the oxytocin", [("oxytocin", "reduce", False)]),
        ("continue oxygen", [("oxygen", "continue", False)]),
        ("withhold metformin", [("metformin", "hold", False)]),
        ("ASV 10 vials IV infusion over 1 hr", [("antivenom", "give", False)]),
        ("iv-fluids-plan-c", [("iv-fluids-plan-c", "give", False)]),
        ("take out the urinary catheter", [("urinary-catheter", "remove", False)]),
        ("switch off the insulin infusion", [("insulin-iv", "stop", False)]),
        ("turn down the oxytocin", [("oxytocin", "reduce", False)]),
        ("come back if the fever returns", [("safety-netting", "give", False)]),
    ],
)  # fmt: skip
def test_orders_are_read_with_their_intent(reader, text, want):
    got, parsed = read(reader, text)
    assert got == want, parsed.message()


@pytest.mark.parametrize("text", ["Ringer's lactate", "normal saline", "IV fluids"])
def test_a_bare_fluid_asks_how_much_and_how_fast(reader, text):
    got, parsed = read(reader, text)
    assert got == [] and "how much and how fast" in parsed.message()


def test_an_unknown_verb_or_drug_is_not_understood_with_suggestions(reader):
    _, parsed = read(reader, "frobnicate the ceftriaxone")
    assert not parsed.items and "'frobnicate'" in parsed.problem
    assert "Ceftriaxone IV/IM" in parsed.suggestions
    _, parsed = read(reader, "give ceftriaxon 2 g")  # misspelt: still read
    assert parsed.items[0].code == "ceftriaxone"
    _, parsed = read(reader, "give warfarin")
    assert not parsed.items and parsed.problem


def test_a_shared_drug_name_goes_to_the_entry_the_case_uses(reader):
    got, _ = read(reader, "IV magnesium sulfate 2 g", {"magnesium-iv-asthma"})
    assert got == [("magnesium-iv-asthma", "give", False)]
    got, _ = read(reader, "magnesium sulfate 4 g IV", {"magnesium-sulfate"})
    assert got == [("magnesium-sulfate", "give", False)]
    got, parsed = read(reader, "give magnesium sulfate")  # no case: the learner chooses
    assert got == [] and len(parsed.suggestions) == 2


def test_dose_route_and_frequency_are_captured(reader):
    item = reader.read("Ceftriaxone 2g IV OD").items[0]
    assert (str(item.dose), item.route, item.frequency) == ("2 g", "iv", "q24h")
    item = reader.read("insulin 0.1 units/kg/hr IV").items[0]
    assert (str(item.dose), item.route) == ("0.1 unit/kg/h", "iv")
    item = reader.read("hydrocortisone 100 mg IV every 6 hours").items[0]
    assert item.frequency == "q6h"
    # GUI walk-through: "every 20 min" was dropped from the salbutamol order (GINA 2024)
    item = reader.read("salbutamol 5mg neb every 20 min x3").items[0]
    assert (item.code, str(item.dose), item.frequency) == ("salbutamol-inhaled", "5 mg", "q20min")


def test_a_counted_dose_is_said_in_the_plural():
    # Walk-through 2026-12-07: "start RHZE 4 tabs daily" read back "(4 tablet q24h): given."
    reader = OrderReader(load_catalog())
    item = reader.read("start RHZE 4 tabs daily").items[0]
    assert str(item.dose) == "4 tablet"  # as kept in the log, for the scorer to read back
    assert "(4 tablets q24h)" in item.describe()
    assert "(1 tablet" in reader.read("RHZE 1 tab daily").items[0].describe()
    assert "(2 g iv q24h)" in reader.read("Ceftriaxone 2g IV OD").items[0].describe()


def test_the_holdout_keeps_its_first_run_figure():
    """Written before the reader existed; 61/67 (0.910) at its first run. Never edited."""
    report = evaluate(HERE / "holdout.yaml")
    assert report.accuracy >= 0.9, "\n".join(report.misses)


def test_the_readers_words_are_checked_data():
    """Verbs, routes, units and modifiers come from cases/catalog/order_words.yaml."""
    tables = bundled_word_tables("order_words")
    assert not tables.warnings
    assert set(tables.maps["verbs"].values()) | set(tables.maps["phrasal_verbs"].values()) <= set(
        INTENTS
    )
    assert tables.maps["units"]["µg"] == "mcg" and tables.maps["routes"]["by mouth"] == "oral"
    assert "stat" in tables.sets["modifiers"] and "procedure" in tables.sets["undosed"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # GUI walk-through: the written plan's counselling was lost after an addendum clause
        ("Admit, reassess every 30 min, counsel grandmother on ORS, feeding, danger signs",
         [("admit", "give", False), ("counselling", "give", False)]),
        ("admit, review in the morning, teach inhaler technique",
         [("admit", "give", False), ("counselling", "give", False)]),
    ],
)  # fmt: skip
def test_counselling_after_an_addendum_is_an_order_of_its_own(reader, text, want):
    got, parsed = read(reader, text)
    assert got == want, parsed.message()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # GUI walk-through: the plan "ORS 5ml/kg/h once he can drink, zinc 20mg od x10 days"
        # read the zinc as part of when to give the ORS: "Planned ORS and zinc 1/2 - not done:
        # give zinc"
        ("ORS 5ml/kg/h once he can drink, zinc 20mg od x10 days",
         [("ors-plan-b", "give", True), ("zinc", "give", False)]),
        ("paracetamol 15 mg/kg if fever, ceftriaxone 100 mg/kg iv",
         [("paracetamol", "give", True), ("ceftriaxone", "give", False)]),
        # ... not into one it only mentions (the DKA expert plan: no discharge ordered)
        ("insulin 0.1 units/kg/h when glucose checked, diabetes team review before discharge",
         [("insulin-iv", "give", True)]),
        # a condition with commas of its own stays one
        ("salbutamol neb if wheeze, cough or breathless", [("salbutamol-inhaled", "give", True)]),
        ("if fitting, diazepam 0.5 mg/kg PR", [("diazepam", "give", True)]),
    ],
)  # fmt: skip
def test_a_condition_ends_at_a_comma_before_another_treatment(reader, text, want):
    got, parsed = read(reader, text)
    assert got == want, parsed.message()
