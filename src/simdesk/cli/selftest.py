"""``simdesk --self-test``: prove an install works, end to end, without touching the user's data.

Run after installing (from the bundle or a venv alike). In a temporary data folder it opens a new
encrypted profile, loads the bundled cases, finds the files of the learned reader of questions
and of the diagnosis synonyms, starts the default model in its own process, plays a
bundled case for three questions on the model, scores the attempt, saves it to the encrypted
profile and reads it back. Each step prints one line; the first failure stops the test, and the
exit code is 1 with the failed step named on the last line.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from simdesk import __version__

CASE_ID = "pulmonary-tb-miner"
QUESTIONS = ("What brings you in today?", "Do you sweat at night?", "Have you lost weight?")
PASSPHRASE = "self-test passphrase, thrown away"
MODEL_TIMEOUT_S = 180
REPLY_TIMEOUT_S = 90


class StepFailed(Exception):
    """A self-test step found a problem; the message says what."""


class SelfTest:
    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout
        self.failed_step: str | None = None
        self.home = Path(tempfile.mkdtemp(prefix="simdesk-self-test-"))
        self.events: queue.Queue = queue.Queue()
        self.backend = None
        self.stores: list = []
        self.manager = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def step(self, name: str, action: Callable[[], str]) -> None:
        """Run one step and report it; raise :class:`StepFailed` (after reporting) on failure."""
        started = time.perf_counter()
        try:
            detail = action()
        except Exception as exc:  # every failure, expected or not, names its step
            self.failed_step = name
            what = str(exc) or type(exc).__name__
            self.say(f"[FAIL] {name:<11} {what}")
            raise StepFailed(name) from exc
        self.say(f"[ ok ] {name:<11} {detail} ({time.perf_counter() - started:.1f} s)")

    # -- the steps ---------------------------------------------------------------------------

    def open_profile(self) -> str:
        from simdesk.core.paths import locations
        from simdesk.core.store.profiles import ProfileManager

        os.environ["SIMDESK_HOME"] = str(self.home)
        self.manager = ProfileManager.for_locations(locations().ensure())
        self.stores.append(self.manager.setup_instructor("Self-test instructor", PASSPHRASE))
        instructor = self.manager.unlock_instructor(PASSPHRASE)
        self.stores.append(self.manager.create("Self-test learner", PASSPHRASE, instructor))
        self.store = self.manager.unlock("Self-test learner", PASSPHRASE)
        self.stores.append(self.store)
        self.db_path = self.manager.get("Self-test learner").db_path
        header = self.db_path.read_bytes()[:16]
        if header.startswith(b"SQLite format 3"):
            raise StepFailed(f"{self.db_path} is a plain SQLite file: SQLCipher is not in use.")
        return f"new encrypted profile (SQLCipher) in {self.home}"

    def load_cases(self) -> str:
        from simdesk.core.cases.catalog import load_catalog
        from simdesk.core.cases.library import load_library
        from simdesk.core.paths import bundled_cases_dir

        folder = bundled_cases_dir()
        entries = load_library(folder)
        broken = [f"{e.path.name}: {e.error}" for e in entries if not e.ok]
        if not entries:
            raise StepFailed(f"No bundled cases in {folder}.")
        if broken:
            raise StepFailed(f"{len(broken)} bundled case(s) do not load: {'; '.join(broken)}")
        catalog = load_catalog()
        self.case = next((e.case for e in entries if e.case.meta.id == CASE_ID), None)
        if self.case is None:
            raise StepFailed(f"The bundled case {CASE_ID} is missing from {folder}.")
        tests = len(catalog.tests_by_code)
        return (f"{len(entries)} bundled cases and the catalog ({tests} tests) "
                f"from {folder}; playing {CASE_ID}")  # fmt: skip

    def check_readers(self) -> str:
        """The files the learned reader of questions and the diagnosis synonyms read are found
        (without them questions and diagnoses are read less well, said only in the log)."""
        from simdesk.core.assess import terminology
        from simdesk.core.sim import dimensions

        missing = [source.name for source in terminology.SOURCES if source.locate() is None]
        reader = dimensions.bundled_reader()
        if reader is None:
            missing.append("WordLlama (the dimension reader)")
        if missing:
            raise StepFailed(f"The files of {', '.join(missing)} are missing.")
        question = "Does the pain spread anywhere?"
        reading = reader.read(question)
        return (f"{len(terminology.SOURCES)} terminologies found; the dimension reader reads "
                f"{question!r} as {reading.label} ({reading.probability:.2f})")  # fmt: skip

    def start_model(self) -> str:
        from simdesk.core.llm.backend import ModelBackend, ModelFailed, ModelReady
        from simdesk.core.llm.registry import load_registry, resolve_model
        from simdesk.core.paths import locations

        where = locations()
        entry = load_registry(where).active
        self.backend = ModelBackend(lambda: resolve_model(entry, where), self.events.put)
        self.backend.start()
        while True:
            event = self._next_event(MODEL_TIMEOUT_S, "to load")
            if isinstance(event, ModelFailed):
                raise StepFailed(str(event.error))
            if isinstance(event, ModelReady):
                break
        details = [f"{entry.name} ({event.path.name}, sha256 checked)"]
        pid = getattr(self.backend, "child_pid", None)
        if pid is not None:
            if pid == os.getpid():
                raise StepFailed("The model runs inside the app's own process, not its child.")
            details.append(f"in its own process {pid}")
        variant = getattr(event, "variant", "")
        if variant:
            details.append(f"CPU variant {variant}")
        details.append(f"loaded in {event.load_seconds:.1f} s")
        return ", ".join(details)

    def ask(self, number: int, question: str) -> str:
        from simdesk.core.llm.backend import ReplyDone, ReplyFailed, ReplyToken
        from simdesk.core.llm.prompt import REPLY_TOKENS

        pending = self.consultation.ask(question)
        if pending.prompt is None:
            raise StepFailed(f"{question!r} disclosed no fact of {CASE_ID}: nothing to voice.")
        rid = self.backend.submit(
            pending.prompt, stop=pending.stop, max_tokens=REPLY_TOKENS, **pending.options
        )
        tokens = 0
        while True:
            event = self._next_event(REPLY_TIMEOUT_S, "to reply")
            if getattr(event, "request_id", None) != rid:
                continue
            if isinstance(event, ReplyToken):
                pending.stream.feed(event.text)
                if pending.stream.failed:
                    self.backend.cancel(rid)
            elif isinstance(event, ReplyFailed):
                raise StepFailed(f"The model failed on question {number}: {event.error}")
            elif isinstance(event, ReplyDone):
                tokens = event.completion_tokens
                break
        if tokens <= 0:
            raise StepFailed(f"The model generated no token for {question!r}.")
        reply = self.consultation.finish(pending)
        if not reply.text.strip():
            raise StepFailed(f"No reply was shown for {question!r}.")
        self.model_tokens += tokens
        source = "model text" if reply.model_text_used else f"authored line ({reply.reason})"
        return f"{question!r} -> {reply.text!r} [{tokens} tokens; shown: {source}]"

    def score_and_save(self) -> str:
        from simdesk.core.assess.attempts import load_history, result_of, save_result
        from simdesk.core.assess.scoring import score
        from simdesk.core.store.device import utc_now

        encounter = self.consultation.encounter
        encounter.diagnose([self.case.answer_key.diagnosis.primary])
        encounter.end()
        result = score(self.case, encounter.events)
        if result.diagnosis.outcome != "correct":
            raise StepFailed(
                f"The case's own diagnosis was scored {result.diagnosis.outcome!r}, not correct."
            )
        attempt = self.store.start_attempt(self.case.meta.id, self.case.meta.version)
        self.store.append_events(attempt, list(encounter.events))
        save_result(self.store, attempt, result_of(self.case, result, utc_now(),
                    attempt_id=attempt), after=encounter.events[-1])  # fmt: skip
        self.store.end_attempt(attempt)
        self.store.close()
        self.stores.remove(self.store)
        reopened = self.manager.unlock("Self-test learner", PASSPHRASE)
        self.stores.append(reopened)
        history = load_history(reopened)
        if [h.percent for h in history] != [result.percent]:
            raise StepFailed("The scored attempt did not read back from the encrypted profile.")
        leaked = [
            path.name for path in self.db_path.parent.iterdir() if path.is_file()
            for word in (b"night", b"weight") if word in path.read_bytes()
        ]  # fmt: skip
        if leaked:
            raise StepFailed(f"The learner's words are readable in {', '.join(set(leaked))}.")
        return (f"score {result.percent:.0f} % (diagnosis correct), saved to the encrypted "
                "profile and read back; no plaintext in its files")  # fmt: skip

    # -- plumbing ----------------------------------------------------------------------------

    def _next_event(self, timeout: float, doing: str):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise StepFailed(f"The model took more than {timeout} s {doing}.") from None

    def close(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(Exception):
                self.backend.shutdown()
        for store in self.stores:
            with contextlib.suppress(Exception):
                store.close()
        if self.manager is not None:
            with contextlib.suppress(Exception):
                self.manager.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self) -> int:
        from simdesk.core.consultation import Consultation

        started = time.perf_counter()
        frozen = getattr(sys, "frozen", False)
        where = f"bundle {Path(sys.executable).parent}" if frozen else f"Python {sys.prefix}"
        self.say(f"simdesk {__version__} self-test ({where})")
        self.model_tokens = 0
        saved_home = os.environ.get("SIMDESK_HOME")
        try:
            self.step("profile", self.open_profile)
            self.step("cases", self.load_cases)
            self.step("readers", self.check_readers)
            self.step("model", self.start_model)
            self.consultation = Consultation(self.case, context_tokens=self.backend.n_ctx)
            for number, question in enumerate(QUESTIONS, 1):
                self.step(f"question {number}", lambda n=number, q=question: self.ask(n, q))
            self.step("score", self.score_and_save)
        except StepFailed:
            self.say(f"self-test FAILED at step '{self.failed_step}'")
            return 1
        finally:
            self.close()
            if saved_home is None:
                os.environ.pop("SIMDESK_HOME", None)
            else:
                os.environ["SIMDESK_HOME"] = saved_home
        self.say(f"self-test passed in {time.perf_counter() - started:.1f} s "
                 f"({self.model_tokens} tokens from the model)")  # fmt: skip
        return 0


def run_self_test() -> int:
    return SelfTest().run()
