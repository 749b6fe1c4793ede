"""An encounter with one case: a simulated clock, the patient's vitals, pending results and an
append-only log of every action and response.

Time moves only with what the learner does: a question takes a minute, each exam manoeuvre a few,
an order or a treatment a minute or two, ``wait`` as long as asked. Results arrive when their
turnaround has passed; vitals follow the case's physiology rules. Everything is deterministic for
a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TypeVar

from simdesk.core.cases.catalog import AnalyteValue, Catalog, load_catalog, normal_value
from simdesk.core.cases.schema import MANOEUVRE_ORDER, Case, ExamFinding, Fact
from simdesk.core.errors import SimdeskError
from simdesk.core.sim import events as ev
from simdesk.core.sim.demographics import (
    age_fact,
    asks_age,
    asks_someones_age,
    gives_an_age,
    name_fact,
    states_age,
    unsure_line,
)
from simdesk.core.sim.disclosure import Disclosure, FactMatcher, informant_kin
from simdesk.core.sim.events import Event
from simdesk.core.sim.matching import (
    ExamMatcher,
    ExamRequest,
    LocalTest,
    TestMatcher,
    region_label,
)
from simdesk.core.sim.orders import OrderItem, OrderReader
from simdesk.core.sim.physiology import Physiology
from simdesk.core.sim.state import (
    SIGNS,
    TOPIC_VITALS,
    TOPICS,
    Moment,
    StateAnswer,
    compare,
    complains_of,
    easings,
    relief,
    sign_facts,
    sign_topic,
    state_answer,
    state_topic,
)

MINUTES_PER_QUESTION = 1
MINUTES_PER_MANOEUVRE = 2
MINUTES_PER_ORDER = 1
MINUTES_PER_TREATMENT = 2
MAX_WAIT_MINUTES = 24 * 60
E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Turn:
    """A question, what it disclosed, and the authored line to fall back on."""

    seq: int
    question: str
    disclosure: Disclosure
    authored_reply: str
    state: StateAnswer | None = None  # a question about the patient now: its trend

    @property
    def facts(self) -> tuple[Fact, ...]:
        return self.disclosure.facts


@dataclass(frozen=True)
class ExamLine:
    manoeuvre: str
    text: str
    finding: ExamFinding | None = None  # None: the normal finding


def vitals_line(vitals: dict[str, float]) -> str:
    """The vital signs as a nurse reads them out."""
    return (
        f"Vital signs: heart rate {vitals['heart_rate']:.0f}/min, blood pressure "
        f"{vitals['systolic_bp']:.0f}/{vitals['diastolic_bp']:.0f} mmHg, respiratory rate "
        f"{vitals['resp_rate']:.0f}/min, SpO2 {vitals['spo2']:.0f}%, temperature "
        f"{vitals['temperature_c']:.1f} °C."
    )


@dataclass(frozen=True)
class ExamResult:
    request: str
    where: ExamRequest | None
    lines: tuple[ExamLine, ...]

    @property
    def text(self) -> str:
        if self.where is None:
            return "Which part would you like to examine (for example chest, abdomen, heart)?"
        # the region as the examination list names it ("Ear, nose and throat", not "Ent")
        region = region_label(self.where.region)
        return " ".join(f"{region}, {ln.manoeuvre}: {ln.text}" for ln in self.lines)


@dataclass(frozen=True)
class TestResult:
    """A result as the lab reports it; ``authored`` is False for the catalog's normal."""

    code: str
    name: str
    values: tuple[AnalyteValue, ...]
    report: str | None
    authored: bool
    source: str | None
    ordered_minute: float
    ready_minute: float

    @property
    def text(self) -> str:
        parts = [v.line() for v in self.values] + ([self.report] if self.report else [])
        return f"{self.name}: " + "; ".join(parts)


@dataclass(frozen=True)
class OrderOutcome:
    request: str
    code: str | None
    status: str  # "pending", "unavailable", "not_applicable", "duplicate", "unrecognised"
    message: str
    ready_minute: float | None = None


@dataclass(frozen=True)
class TreatmentOutcome:
    """What an order did. ``code`` is its first item's; None when it was not understood."""

    request: str
    code: str | None
    message: str
    items: tuple[OrderItem, ...] = ()
    suggestions: tuple[str, ...] = ()
    minute: float | None = None  # when it was ordered (what the timeline and debrief show)


def case_treatment_codes(case: Case) -> set[str]:
    """The treatment codes a case uses: they settle which entry a shared drug name means."""
    management = case.answer_key.management
    codes = {c for a in management.expected_actions for c in a.any_of}
    codes |= {h.treatment for h in management.harmful_actions}
    codes |= {r.treatment for r in case.physiology.rules if r.treatment}
    return codes


@dataclass
class Encounter:
    """A learner's session over one case. Deterministic for a given seed."""

    case: Case
    seed: int = 0
    catalog: Catalog | None = None
    sim_minute: float = 0.0
    events: list[Event] = field(default_factory=list)
    results: list[TestResult] = field(default_factory=list)  # arrived, in order of arrival
    ended: bool = False

    def __post_init__(self) -> None:
        self.catalog = self.catalog or load_catalog()
        self._rng = random.Random(self.seed)
        self._matcher = FactMatcher(self.case.facts, patient_kin=informant_kin(self.case.patient))
        # someone answers for the patient: the case names them (an imported child's record too)
        self._carer = self.case.patient.informant is not None
        self._exams = ExamMatcher(self.case, self.catalog)
        self._tests = TestMatcher(self.catalog, self.case)
        self._orders = OrderReader(self.catalog, case_treatment_codes(self.case))
        self.physiology = Physiology(self.case.vitals, list(self.case.physiology.rules))
        self._pending: list[TestResult] = []
        self._state_asked: tuple[float, Moment] | None = None  # minute, state then
        self._log(ev.EncounterStarted, case_id=self.case.meta.id, version=self.case.meta.version)

    # -- the log and the clock ----------------------------------------------------------------

    def _log(self, kind: type[E], **fields: object) -> E:
        """Append an event of ``kind``: the engine numbers every event, in the order logged."""
        event = kind(seq=len(self.events), sim_minute=self.sim_minute, **fields)
        self.events.append(event)
        return event

    def _check_open(self) -> None:
        if self.ended:
            raise SimdeskError(
                f"The encounter with {self.case.meta.id} has ended.", "Start a new encounter."
            )

    def _advance(self, minutes: float) -> list[TestResult]:
        """Move the clock on; results that become ready on the way are logged at their minute."""
        target = self.sim_minute + minutes
        arrived = []
        for result in sorted(self._pending, key=lambda r: r.ready_minute):
            if result.ready_minute > target:
                break
            self._move_to(result.ready_minute)
            self._pending.remove(result)
            self.results.append(result)
            arrived.append(result)
            self._log(
                ev.Result, code=result.code, text=result.text, source=result.source,
                authored=result.authored, ordered_minute=result.ordered_minute,
            )  # fmt: skip
        self._move_to(target)
        return arrived

    def _move_to(self, minute: float) -> None:
        self.sim_minute = max(self.sim_minute, minute)
        self.physiology.advance_to(self.sim_minute)

    @property
    def vitals(self) -> dict[str, float]:
        return self.physiology.vitals()

    @property
    def pending(self) -> list[TestResult]:
        return list(self._pending)

    # -- history ------------------------------------------------------------------------------

    def ask(self, question: str) -> Turn:
        """Log a question and decide which facts it discloses. Takes a simulated minute."""
        self._check_open()
        question = " ".join(question.split())
        self._advance(MINUTES_PER_QUESTION)
        state = self._state_answer(question)
        disclosure = Disclosure((state.fact,), (1.0,)) if state else self._matcher.match(question)
        patient = self.case.patient
        if not state and asks_age(question, patient, self._carer):
            disclosure = self._age(disclosure)
        elif not state and asks_someones_age(question):
            kept = [(f, s) for f, s in zip(disclosure.facts, disclosure.scores, strict=True)
                    if gives_an_age(f)]  # fmt: skip
            disclosure = Disclosure(tuple(f for f, _ in kept), tuple(s for _, s in kept))
        if not state:
            disclosure = self._matcher.focused(question, disclosure)
        named = None if state or not disclosure.empty else name_fact(question, patient, self._carer)
        if named is not None:
            disclosure = Disclosure((named,), (1.0,))
        if disclosure.empty:
            # the speaker's own life or worries: they know, the record does not say
            # (the unsure line is drawn all the same: the seed's later draws stay as they were)
            drawn = self._rng.choice(patient.unsure_lines)
            authored = unsure_line(question, patient, self._carer, drawn)
        else:
            authored = " ".join(f.patient_says for f in disclosure.facts)
        facts = disclosure.facts
        asked = [f.id for f in facts]
        if state is not None and state.topic in SIGNS:
            # the question asked about the sign the history gives: it counts as asked
            asked += [f.id for f in sign_facts(self.case.facts, state.topic)]
        event = self._log(
            ev.Question, text=question, fact_ids=asked,
            scores=list(disclosure.scores), sources=[f.source for f in facts if f.source],
        )  # fmt: skip
        return Turn(event.seq, question, disclosure, authored, state)

    def _age(self, found: Disclosure) -> Disclosure:
        """For a question on the patient's age: the disclosed facts that say it, else the age
        from the case's demographics (``simdesk.core.sim.demographics``)."""
        kept = [(f, s) for f, s in zip(found.facts, found.scores, strict=True) if states_age(f)]
        if kept:
            return Disclosure(tuple(f for f, _ in kept), tuple(s for _, s in kept))
        return Disclosure((age_fact(self.case.patient, self._carer),), (1.0,))

    def _moment(self, minute: float, vitals: dict[str, float]) -> Moment:
        """The state at ``minute``: the vitals and the relief of each symptom (pain eased by the
        morphine given)."""
        assert self.catalog is not None
        rules = list(self.case.physiology.rules)
        eased = {topic: relief(topic, self.physiology.given, minute, self.catalog, rules)
                 for topic in TOPICS if topic != "general"}  # fmt: skip
        return Moment(vitals, eased)

    def _state_answer(self, question: str) -> StateAnswer | None:
        """For "how are you now?": a fact made from the state's trend since the last question on
        that topic (or the start) and the treatments given since (``simdesk.core.sim.state``)."""
        assert self.catalog is not None
        topic = state_topic(question)
        if topic in SIGNS and not self._sign_moves(topic):
            topic = None  # the history answers
        sign = sign_topic(question) if topic is None else None
        if sign is not None and not self._sign_moves(sign):
            sign = None
        if topic is None and sign is None:
            return None
        start = self._moment(-1.0, self.physiology.baseline_vitals())
        if sign is not None:
            # Asked without "now": the history tells it until the state has moved on from it
            # (two hours of Plan C: "has he passed urine?" asks whether urine has come)
            now = self._moment(self.sim_minute, self.vitals)
            if compare(sign, start, now, self.case.patient.age_years, set()) != "better":
                return None
            topic = sign
        since, before = self._state_asked or (-1.0, start)
        now = self._moment(self.sim_minute, self.vitals)
        given = [code for code, minutes in self.physiology.given.items()
                 if any(m >= since for m in minutes)]  # fmt: skip
        complaints = {t for t in now.relief if complains_of(self.case.patient, self.case.facts, t)}
        answer = state_answer(
            self.case.patient, topic, start, before, now, given, self.catalog, question,
            relevant=self._acts_on(topic), ever_given=list(self.physiology.given),
            complaints=complaints,
        )  # fmt: skip
        # "how are you feeling?" before anything was done for an unchanged patient asks for the
        # complaint: "about the same" says nothing yet, where the history answers it
        unchanged = topic == "general" and answer.trend == "same" and not self.physiology.given
        if unchanged and not self._matcher.match(question).empty:
            return None
        self._state_asked = (self.sim_minute, now)
        return answer

    def _sign_moves(self, topic: str) -> bool:
        """Whether a sign (urine, alertness) is the patient's now: the history gives the problem
        and a treatment moves the vitals it goes with (a record with no response rules keeps
        its history)."""
        return bool(sign_facts(self.case.facts, topic) and self._acts_on(topic))

    def _acts_on(self, topic: str) -> set[str]:
        """The treatment codes that act on ``topic``: what eases it, and the case's response rules
        that move its vitals (for how the patient feels, everything given)."""
        assert self.catalog is not None
        if topic == "general":  # how they feel: everything given
            return set(self.physiology.given)
        rules = list(self.case.physiology.rules)
        codes = {e.code for e in easings(topic, self.catalog, rules)}
        codes |= {r.treatment for r in rules if r.kind == "response" and r.treatment
                  and set(r.change) & set(TOPIC_VITALS[topic])}  # fmt: skip
        return codes

    def record_reply(
        self, turn: Turn, text: str, *, model_text_used: bool, reason: str
    ) -> ev.Reply:
        """Log the reply that was shown for a turn, and whether it was model text."""
        return self._log(
            ev.Reply, question_seq=turn.seq, text=text, model_text_used=model_text_used,
            guard=reason, fact_ids=[f.id for f in turn.facts],
        )  # fmt: skip

    # -- examination ----------------------------------------------------------------------------

    def examine(self, request: str) -> ExamResult:
        """Examine what the request names: the case's findings there, the normal elsewhere."""
        self._check_open()
        request = " ".join(request.split())
        where = self._exams.match(request)
        lines = self._exam_lines(where) if where else ()
        self._advance(MINUTES_PER_MANOEUVRE * max(len(lines), 1) if where else 0)
        result = ExamResult(request, where, lines)
        findings = [ln.finding for ln in lines if ln.finding]
        self._log(
            ev.Exam, request=request, text=result.text,
            region=where.region if where else None, manoeuvre=where.manoeuvre if where else None,
            finding_ids=[f.id for f in findings], sources=[f.source for f in findings if f.source],
        )  # fmt: skip
        return result

    def _exam_lines(self, where: ExamRequest) -> tuple[ExamLine, ...]:
        if where.vitals:
            return (ExamLine("inspection", vitals_line(self.vitals)),)
        if where.finding is not None:
            return (
                ExamLine(
                    where.manoeuvre or where.finding.manoeuvre, where.finding.finding, where.finding
                ),
            )
        here = [f for f in self.case.examination.findings if f.region == where.region]
        # findings whose source names no manoeuvre: they answer any manoeuvre of the region, and
        # no default is said beside them (it may contradict them: "Full range of movement"
        # beside "swollen, limited range of motion")
        unnamed = [f for f in here if f.any_manoeuvre]
        here = [f for f in here if not f.any_manoeuvre]
        override = self.case.examination.normal.get(where.region)
        entry = self.catalog.examination.regions[where.region]
        catalog_normal = entry.normal
        # what a region about the same parts holds by a manoeuvre this region has nothing of its
        # own for ("MSK exam" on a swollen, tense bitten leg filed under extremities)
        shared = [f for f in self.case.examination.findings
               if f.region in entry.shares_findings_with and not f.any_manoeuvre]  # fmt: skip
        if where.manoeuvre is not None:
            manoeuvres = [where.manoeuvre]
        else:
            present = {f.manoeuvre for f in here} | (set() if unnamed else set(catalog_normal))
            manoeuvres = [m for m in MANOEUVRE_ORDER if m in present]
        lines = []
        for manoeuvre in manoeuvres:
            found = [f for f in here if f.manoeuvre == manoeuvre]
            if not found and not unnamed and manoeuvre in catalog_normal:
                found = [f for f in shared if f.manoeuvre == manoeuvre]
            if found:
                lines += [ExamLine(manoeuvre, f.finding, f) for f in found]
            elif unnamed:
                continue
            elif override:
                lines.append(ExamLine(manoeuvre, override))
            elif manoeuvre in catalog_normal:
                lines.append(ExamLine(manoeuvre, catalog_normal[manoeuvre]))
            else:
                lines.append(ExamLine(manoeuvre, "Nothing abnormal found."))
        # said as the manoeuvre asked for, else as filed
        lines += [ExamLine(where.manoeuvre or f.manoeuvre, f.finding, f) for f in unnamed]
        return tuple(lines)

    # -- investigations -------------------------------------------------------------------------

    def order(self, request: str) -> OrderOutcome:
        """Order a test. Its result arrives after the turnaround, unless the site cannot do it."""
        self._check_open()
        request = " ".join(request.split())
        entry = self._tests.match(request)
        outcome = self._order(request, entry)
        self._advance(MINUTES_PER_ORDER)
        self._log(
            ev.Order, request=request, code=outcome.code, status=outcome.status,
            text=outcome.message, ready_minute=outcome.ready_minute,
        )  # fmt: skip
        return outcome

    def _order(self, request: str, entry) -> OrderOutcome:
        if entry is None:
            return OrderOutcome(
                request, None, "unrecognised",
                f"'{request}' is not a test this site knows. Try its usual name or abbreviation.",
            )  # fmt: skip
        setting = self.case.meta.setting
        if isinstance(entry, LocalTest):
            turnaround, name = 60, entry.name
        else:
            name = entry.name
            if not entry.available_at(setting):
                return OrderOutcome(
                    request, entry.code, "unavailable",
                    f"{name} is not available at this site level ({setting.replace('_', ' ')}).",
                )  # fmt: skip
            if entry.sexes and self.case.patient.sex not in entry.sexes:
                return OrderOutcome(
                    request, entry.code, "not_applicable",
                    f"{name} is only done for {' or '.join(entry.sexes)} patients.",
                )  # fmt: skip
            turnaround = entry.turnaround_minutes
        if any(r.code == entry.code for r in self._pending):
            return OrderOutcome(request, entry.code, "duplicate", f"{name} is already pending.")
        authored = next((r for r in self.case.investigations if r.code == entry.code), None)
        if authored and authored.turnaround_minutes is not None:
            turnaround = authored.turnaround_minutes
        ready = self.sim_minute + MINUTES_PER_ORDER + turnaround
        self._pending.append(self._result(entry.code, name, authored, ready))
        return OrderOutcome(
            request, entry.code, "pending",
            f"{name} ordered; the result is expected in about {turnaround} minutes.", ready,
        )  # fmt: skip

    def _result(self, code: str, name: str, authored, ready: float) -> TestResult:
        patient = self.case.patient
        entry = self.catalog.test(code)
        given = {r.analyte: r for r in authored.results} if authored else {}
        values = []
        for analyte in entry.analytes if entry else []:
            if authored and not authored.others_normal and analyte.key not in given:
                continue  # nothing generated beside a record's own result
            row = analyte.range_for(patient.age_years, patient.sex)
            value = given[analyte.key].value if analyte.key in given else normal_value(
                analyte, patient.age_years, patient.sex, self.seed
            )  # fmt: skip
            values.append(AnalyteValue(analyte.key, analyte.name, value, analyte.unit,
                                       row.low, row.high))  # fmt: skip
        if entry is None and authored:
            values = [
                AnalyteValue(r.analyte, r.analyte, r.value, r.unit or "", None, None)
                for r in authored.results
            ]
        report = authored.report if authored else (entry.normal_report if entry else None)
        return TestResult(
            code, name, tuple(values), report, authored is not None,
            authored.source if authored else None, self.sim_minute, ready,
        )  # fmt: skip

    # -- treatment, time, diagnosis ---------------------------------------------------------------

    def treat(self, request: str) -> TreatmentOutcome:
        """Carry out an order: what is given acts from the next minute; what is stopped, held,
        removed or planned is recorded. Each item is logged at the minute it was ordered."""
        self._check_open()
        request = " ".join(request.split())
        order = self._orders.read(request)
        outcome = TreatmentOutcome(
            request, order.items[0].code if order.items else None, order.message(),
            order.items, order.suggestions, self.sim_minute,
        )  # fmt: skip
        if not order.items:
            self._log(ev.Treatment, request=request, code=None, text=outcome.message,
                      suggestions=order.suggestions)  # fmt: skip
            return outcome
        for part, item in enumerate(order.items):
            if item.given:
                self.physiology.give(item.code)
            self._log(
                ev.Treatment, request=request, part=part, code=item.code,
                text=item.describe() + ".",
                intent=item.intent, planned=item.planned, condition=item.condition,
                dose=str(item.dose) if item.dose else None, route=item.route,
                frequency=item.frequency, regimen=item.regimen, words=item.words,
                given_minute=self.sim_minute,
            )  # fmt: skip
        self._advance(MINUTES_PER_TREATMENT)
        return outcome

    def wait(self, minutes: float) -> list[TestResult]:
        """Let time pass; returns the results that arrived meanwhile."""
        self._check_open()
        if not 0 < minutes <= MAX_WAIT_MINUTES:
            raise SimdeskError(
                f"Cannot wait {minutes:g} minutes.",
                f"Wait between 1 and {MAX_WAIT_MINUTES} minutes.",
            )
        self._log(ev.Wait, minutes=minutes)
        return self._advance(minutes)

    def diagnose(self, ranked: list[str]) -> ev.Diagnosis:
        """Record the learner's diagnoses, most likely first."""
        self._check_open()
        submitted = [" ".join(d.split()) for d in ranked if d.strip()]
        return self._log(ev.Diagnosis, submitted=submitted, text="; ".join(submitted))

    def note(self, text: str) -> ev.Note:
        """Record the learner's notes as they stand now (they take no simulated time)."""
        self._check_open()
        return self._log(ev.Note, text=text)

    def plan(self, text: str) -> ev.Plan:
        """Record the written plan (referral, admission, follow-up, safety-netting...)."""
        self._check_open()
        return self._log(ev.Plan, text=text.strip())

    def end(self) -> ev.EncounterEnded:
        self._check_open()
        self.ended = True
        return self._log(ev.EncounterEnded, vitals=self.vitals)
