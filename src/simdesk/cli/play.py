"""``simdesk play CASE`` and ``simdesk run-script CASE SCRIPT``: encounters without the GUI.

``play`` is an interactive terminal encounter with streamed replies. ``run-script`` plays a
scripted encounter (YAML or JSON ``{"steps": [{"ask": …}, {"exam": …}, {"order": …},
{"treat": …}, {"wait": 30}, {"diagnose": [...]}, {"plan": "admit; review in 2 days"}]}``)
so instructors can regression-test cases;
``--json`` prints one JSON object, ``--no-model`` shows the authored lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from simdesk.app.encounter import EncounterService
from simdesk.app.model import ModelDescription, ModelService
from simdesk.core.assess.scoring import score_attempt
from simdesk.core.cases.library import load_library
from simdesk.core.cases.loader import load_case
from simdesk.core.cases.schema import Case
from simdesk.core.errors import CaseError, SimdeskError
from simdesk.core.paths import bundled_cases_dir, locations
from simdesk.core.sim import events as ev

ACTIONS = ("ask", "exam", "order", "treat", "wait", "diagnose", "plan", "end")
MODEL_TIMEOUT_S = 180


def register(sub: argparse._SubParsersAction) -> None:
    play = sub.add_parser("play", help="play a case in the terminal")
    play.add_argument("case", help="a case id or a path to a case file")
    play.add_argument("--no-model", action="store_true", help="show the authored lines")
    play.add_argument("--seed", type=int, default=0)
    play.set_defaults(handler=play_command)
    script = sub.add_parser("run-script", help="play a scripted encounter (case regression test)")
    script.add_argument("case", help="a case id or a path to a case file")
    script.add_argument("script", help="a YAML or JSON file with a list of steps")
    script.add_argument("--json", action="store_true", help="print one JSON object")
    script.add_argument("--no-model", action="store_true", help="show the authored lines")
    script.add_argument("--seed", type=int, default=0)
    script.add_argument(
        "--profile",
        metavar="NAME",
        help="record the attempt in this learner's store, as the app does",
    )
    script.add_argument(
        "--mode",
        choices=("practice", "exam"),
        default="practice",
        help="the mode recorded with --profile (default practice)",
    )
    script.set_defaults(handler=run_script_command)


def resolve_case(ref: str) -> Case:
    """A case by path, or by id from the bundled and user libraries."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_case(path)
    entries = load_library(bundled_cases_dir(), locations().user_cases)
    for entry in entries:
        if entry.case is not None and entry.case.meta.id == ref:
            return entry.case
        if entry.case is None and entry.path.stem == ref and entry.error is not None:
            raise entry.error
    known = sorted(e.case.meta.id for e in entries if e.case is not None)
    raise CaseError(
        f"No case with id '{ref}'.",
        f"Give a case file path or one of: {', '.join(known) or '(no cases found)'}.",
    )


def read_script(path: Path) -> list[tuple[str, Any]]:
    """The steps of a script file as ``(action, value)``; a bad step is named with its number."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SimdeskError(
            f"Cannot read script {path}: {exc.strerror or exc}", "Check the path."
        ) from exc
    except yaml.YAMLError as exc:
        raise SimdeskError(
            f"Script {path} is not valid YAML or JSON: {exc}", "Fix its syntax."
        ) from exc
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list):
        raise SimdeskError(
            f"Script {path} has no list of steps.", 'Write {"steps": [{"ask": "..."}, ...]}.'
        )
    parsed = []
    for n, step in enumerate(steps, 1):
        if not (isinstance(step, dict) and len(step) == 1 and next(iter(step)) in ACTIONS):
            raise SimdeskError(
                f"Step {n} of {path} is not one action: {step!r}.",
                f"Each step is a mapping with one key out of: {', '.join(ACTIONS)}.",
            )
        action, value = next(iter(step.items()))
        if action == "wait" and not (isinstance(value, int | float) and value > 0):
            raise SimdeskError(f"Step {n} of {path}: wait needs minutes > 0.", "e.g. {wait: 30}")
        if action == "diagnose":
            value = [value] if isinstance(value, str) else value
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise SimdeskError(
                    f"Step {n} of {path}: diagnose needs a list of names.",
                    'e.g. {"diagnose": ["first choice", "second"]}',
                )
        parsed.append((action, value))
    return parsed


def _report_crash(event: object) -> None:
    """The model process died: say so; the authored line stands in for that reply."""
    from simdesk.core.llm.backend import ModelCrash

    if isinstance(event, ModelCrash):
        print(f"\n{event.error}", file=sys.stderr)


def open_model() -> ModelService:
    """The active model (``simdesk models use``), loaded, with its prompt format: as the app."""
    model = ModelService.active(locations().ensure(), _report_crash).start()
    try:
        model.wait_ready(MODEL_TIMEOUT_S)
    except BaseException:
        model.shutdown()
        raise
    return model


def play_step(
    encounter: EncounterService,
    action: str,
    value: Any,
    model: ModelService | None,
    show: Callable[[str], None] = lambda _text: None,
) -> dict:
    """Run one action; the step as run-script reports it (results that arrived included)."""
    first_event = len(encounter.events)
    facts: list[str] = []
    sources: list[str] = []
    model_used = False
    released = guard = None
    if action == "ask":
        reply = encounter.say(str(value), model, show)
        text, model_used, released = reply.text, reply.model_text_used, reply.released
        guard = reply.reason  # why the model's text was shown, cut short or refused
        question = next(e for e in encounter.events[first_event:] if isinstance(e, ev.Question))
        facts, sources = list(question.fact_ids), list(question.sources)
    elif action == "exam":
        result = encounter.examine(str(value))
        text = result.text
        found = [ln.finding for ln in result.lines if ln.finding]
        facts, sources = [f.id for f in found], [f.source for f in found if f.source]
    elif action == "order":
        text = encounter.order(str(value)).message
    elif action == "treat":
        text = encounter.treat(str(value)).message
    elif action == "wait":
        arrived = encounter.wait(float(value))
        text = f"{value:g} minute{'' if value == 1 else 's'} pass{'es' if value == 1 else ''}." + (
            "" if arrived else " No new results."
        )
    elif action == "diagnose":
        encounter.diagnose(list(value))
        text = "Diagnosis recorded."
    elif action == "plan":
        encounter.plan(str(value))
        text = "Plan recorded."
    else:
        encounter.end()
        text = "Encounter ended."
    results = [e for e in encounter.events[first_event:] if isinstance(e, ev.Result)]
    engine = encounter.encounter
    if results:
        text += " Results: " + " | ".join(e.text for e in results)
        sources += [e.source for e in results if e.source]
    return {
        "action": action,
        "input": value,
        **({} if released is None else {"released": released}),
        "reply": text,
        **({} if guard is None else {"guard": guard}),
        "facts": facts,
        "sources": sources,
        "results": [e.code for e in results],
        "sim_minutes": engine.sim_minute,
        "vitals": engine.vitals,
        "model_text_used": model_used,
    }


def run_script(case: Case, steps: list[tuple[str, Any]], model: ModelService | None, seed=0,
               record: Callable[[list], None] | None = None) -> dict:  # fmt: skip
    """Play the steps and report every step, the diagnosis, the score and the model used.

    ``record`` is given the encounter's events at the end (``--profile`` stores them)."""
    encounter = EncounterService(case, seed=seed, model=model.description if model else None)
    played = [play_step(encounter, action, value, model) for action, value in steps]
    if not encounter.encounter.ended:
        encounter.end()
    diagnosis, breakdown = assess(case, encounter.events)
    if record is not None:
        record(encounter.events)
    return {"case_id": case.meta.id, "steps": played, "diagnosis": diagnosis, "score": breakdown,
            "model": describe_model(encounter.model)}  # fmt: skip


def describe_model(description: ModelDescription | None) -> dict | None:
    """The model that voiced the patient, as run-script reports it (None: authored lines)."""
    if description is None:
        return None
    return {"name": description.name, "kind": description.kind, "n_ctx": description.n_ctx,
            "prompt_format": type(description.prompt_format).__name__}  # fmt: skip


def record_attempt(name: str, passphrase: str, case: Case, events: list, mode: str,
                   model_id: str) -> int:  # fmt: skip
    """Keep a scripted attempt in the learner's store as the app does; queue its statements.

    Returns the number of statements queued for sync (0 when not enrolled or opted out)."""
    from simdesk.app.session import Session
    from simdesk.core.assess.scoring import score

    with Session(locations().ensure()) as session:
        store = session.sign_in(name, passphrase)
        attempt = session.new_attempt(case, mode)
        attempt.start(store)
        attempt.record(store, events)
        result = attempt.finish(store, case, score(case, events), events[-1], learner=name)
        return session.queue_for_sync(store, attempt, result, model_id)


def assess(case: Case, events: list) -> tuple[dict, dict]:
    """The diagnosis verdict (the issue's short form plus its reason) and the full score."""
    breakdown = score_attempt(case, events)
    dx = breakdown["diagnosis"]
    diagnosis = {
        "submitted": dx["submitted"], "correct": dx["outcome"] == "correct",
        "matched": dx["matched"], "outcome": dx["outcome"], "reason": dx["reason"],
    }  # fmt: skip
    return diagnosis, breakdown


def run_script_command(args: argparse.Namespace) -> int:
    case = resolve_case(args.case)
    steps = read_script(Path(args.script))
    record, queued = None, []
    model = None if args.no_model else open_model()
    if args.profile:
        from simdesk.cli.profiles import read_passphrase

        passphrase = read_passphrase(f"Passphrase for {args.profile}: ")
        model_id = model.description.path.stem if model and model.description else "none"

        def record(events: list) -> None:
            queued.append(record_attempt(args.profile, passphrase, case, events, args.mode,
                                         model_id))  # fmt: skip

    try:
        report = run_script(case, steps, model, seed=args.seed, record=record)
    finally:
        if model is not None:
            model.shutdown()
    if args.profile:
        report["recorded"] = {"profile": args.profile, "queued_for_sync": queued[0]}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for n, step in enumerate(report["steps"], 1):
        print(f"[{step['sim_minutes']:g} min] {n}. {step['action']} {step['input']}")
        print(f"    {step['reply']}")
    d, s = report["diagnosis"], report["score"]
    _print_summary(d, s)
    return 0


ORDER_VERBS = frozenset("stop hold withhold omit remove reduce continue discontinue".split())
HELP = """Commands: ask QUESTION (or just type the question) | exam WHAT | order TEST | treat WHAT
          | wait MINUTES | vitals | diagnose FIRST; SECOND | plan TEXT | end | help"""


def parse_line(line: str) -> tuple[str, Any] | None:
    """A terminal line as an action; a line without a command word is a question."""
    word, _, rest = line.strip().partition(" ")
    command = {"examine": "exam", "give": "treat", "dx": "diagnose"}.get(word.lower(), word.lower())
    rest = rest.strip()
    if command in ("end", "quit", "exit"):
        return ("end", None)
    if command in ("help", "vitals"):
        return (command, None)
    if command == "wait":
        try:
            return ("wait", float(rest or 5))
        except ValueError:
            return ("help", None)
    if command == "diagnose":
        return ("diagnose", [d.strip() for d in rest.split(";") if d.strip()])
    if command in ACTIONS and rest:
        return (command, rest)
    if command in ORDER_VERBS and rest:  # "stop the insulin", "hold her amlodipine"
        return ("treat", line.strip())
    return ("ask", line.strip()) if line.strip() else None


def play_command(args: argparse.Namespace) -> int:
    case = resolve_case(args.case)
    model = None if args.no_model else open_model()
    encounter = EncounterService(case, seed=args.seed, model=model.description if model else None)
    p = case.patient
    who = ", ".join(filter(None, (p.name, p.age_label, p.sex, p.occupation)))
    print(f"{case.meta.title}\n{who}. {HELP}\n")
    print(f"{p.speaker}: {p.opening_line}")

    streamed: list[str] = []

    def show(text: str) -> None:
        streamed.append(text)
        print(text, end="", flush=True)

    try:
        while not encounter.encounter.ended:
            try:
                line = input("> ")
            except EOFError:
                line = "end"
            parsed = parse_line(line)
            if parsed is None:
                continue
            action, value = parsed
            if action in ("help", "vitals"):
                print(HELP if action == "help" else encounter.encounter.vitals)
                continue
            try:
                if action == "ask":
                    streamed.clear()
                    print(f"{p.speaker}: ", end="", flush=True)
                    step = play_step(encounter, action, value, model, show)
                    shown = "".join(streamed)
                    print(step["reply"][len(shown) :] if shown else step["reply"])
                else:
                    print(play_step(encounter, action, value, model)["reply"])
            except SimdeskError as exc:
                print(exc, file=sys.stderr)
    finally:
        if model is not None:
            model.shutdown()
    if encounter.events[-1].kind == "encounter_ended":
        _print_summary(*assess(case, encounter.events))
    return 0


def _print_summary(diagnosis: dict, breakdown: dict) -> None:
    print(f"Diagnosis: {diagnosis['outcome'].replace('_', ' ')} - {diagnosis['reason']}")
    raw, cap = breakdown["raw_percent"], breakdown["cap"]
    capped = f" (capped for safety from {raw}%)" if cap is not None and raw > cap else ""
    print(f"Score: {breakdown['percent']}%{capped}")
    for item in breakdown["items"]:
        if item["status"] == "partial":
            names = ", ".join(item["missing_names"])
            print(f"  partly: {item['description']} Not done: {names}. {item['teaching_point']}")
        elif item["status"] != "met":
            print(f"  missed: {item['description']} {item['teaching_point']}")
    for issue in breakdown["safety"]:
        print(f"  safety: {issue['description']}")
