"""Who is signed in: the profile, its open store, the attempt in play and the auto-lock.

Both front ends open profiles through :class:`Session`: the window (its store thread calls the
methods that touch a database) and the command line (in its one thread). No Qt here.

Thread rules. Methods that read or write a database (:meth:`Session.open_profile`,
:meth:`Session.sign_in`, :meth:`Session.queue_for_sync`, every :class:`Attempt` method taking a
``store``) block: the window runs them on its store thread. :meth:`Session.begin`,
:meth:`Session.lock`, :meth:`Session.new_attempt`, :meth:`Session.touch` and
:attr:`Session.should_lock` touch no database and are cheap: the window calls them on its GUI
thread, so what it shows (signed in or not, as whom) changes only there.

An :class:`Attempt` is known before its row exists: the window names the attempt in play at
once and queues :meth:`Attempt.start` and then every :meth:`Attempt.record` on its one store
thread, so each finds the id the start wrote. Nobody waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simdesk.core.clock import utc_now
from simdesk.core.errors import SimdeskError, StoreError
from simdesk.core.store.autolock import IdleLock

if TYPE_CHECKING:
    from simdesk.core.assess.attempts import AttemptResult
    from simdesk.core.assess.scoring import Score
    from simdesk.core.cases.schema import Case
    from simdesk.core.paths import Locations
    from simdesk.core.sim.events import Event
    from simdesk.core.store.profiles import ProfileManager
    from simdesk.core.store.repository import LearnerStore

SIGN_IN = "sign-in"
SET_UP = "setup"  # the site's first run: the instructor's own profile
CREATE = "create"  # a new learner profile, authorised by the instructor's passphrase


@dataclass
class Attempt:
    """An attempt in play. ``id`` is None until :meth:`start` (or a resume) has given it one."""

    case_id: str
    case_version: str
    mode: str = "practice"
    id: int | None = None
    seed: int = 0

    def _id(self) -> int:
        if self.id is None:
            raise StoreError(
                f"The attempt on {self.case_id} was never saved, so nothing can be added to it.",
                "Start the case again; if it happens again, report it to your instructor.",
            )
        return self.id

    def start(self, store: LearnerStore) -> int:
        """Write the attempt's row (store thread)."""
        self.id = store.start_attempt(self.case_id, self.case_version, mode=self.mode,
                                      seed=self.seed)  # fmt: skip
        return self.id

    def record(self, store: LearnerStore, events: list[Event], *,
               elapsed_s: float | None = None) -> None:  # fmt: skip
        """Save events as the engine logged them (and, in an exam, the clock used)."""
        store.append_events(self._id(), events, elapsed_s=elapsed_s)

    def save_elapsed(self, store: LearnerStore, seconds: float) -> None:
        """Keep the exam clock used so far (on lock and quit)."""
        store.save_elapsed(self._id(), seconds)

    def finish(self, store: LearnerStore, case: Case, score: Score, last: Event,
               learner: str) -> AttemptResult:  # fmt: skip
        """Keep the scored result beside the events it follows, and close the attempt."""
        from simdesk.core.assess.attempts import result_of, save_result

        attempt_id = self._id()
        result = result_of(case, score, utc_now(), attempt_id=attempt_id, learner=learner)
        save_result(store, attempt_id, result, after=last)
        store.end_attempt(attempt_id)
        return result

    def close(self, store: LearnerStore) -> None:
        """Close it unscored (kept as saved; its case can be played afresh)."""
        store.end_attempt(self._id())


@dataclass(frozen=True)
class Opened:
    """A profile opened by :meth:`Session.open_profile`, not yet signed in."""

    name: str
    store: LearnerStore
    minutes: float  # the site's auto-lock minutes
    role: str = "learner"  # the profile's role (core.store.profiles: LEARNER, INSTRUCTOR)


@dataclass
class Session:
    """The profiles of this computer and the one profile signed in, if any."""

    where: Locations
    _profiles: ProfileManager | None = None
    store: LearnerStore | None = None
    name: str = ""
    role: str = ""  # the signed-in profile's role ("" when nobody is signed in)
    idle: IdleLock | None = None
    attempt: Attempt | None = None
    clock: Callable[[], float] | None = field(default=None, repr=False)

    @property
    def profiles(self) -> ProfileManager:
        """The profile manager, made on first use (it opens nothing until asked)."""
        if self._profiles is None:
            from simdesk.core.store.profiles import ProfileManager

            self._profiles = ProfileManager.for_locations(self.where)
        return self._profiles

    @property
    def signed_in(self) -> bool:
        return self.store is not None

    @property
    def is_instructor(self) -> bool:
        """The instructor is signed in (only they choose the model and add cases)."""
        from simdesk.core.store.profiles import INSTRUCTOR  # loaded with any open store

        return self.store is not None and self.role == INSTRUCTOR

    def profile_names(self) -> list[tuple[str, str]]:
        """(name, role) of every profile, for a sign-in list (blocking)."""
        return [(p.name, p.role) for p in self.profiles.list()]

    def sign_in(self, name: str, passphrase: str, *, how: str = SIGN_IN,
                instructor_passphrase: str = "") -> LearnerStore:  # fmt: skip
        """Open ``name``'s store and make it the signed-in one (blocking): :meth:`open_profile`
        then :meth:`begin`, in the caller's thread (the command line's way)."""
        opened = self.open_profile(name, passphrase, how=how,
                                   instructor_passphrase=instructor_passphrase)  # fmt: skip
        previous = self.begin(opened)
        if previous is not None:
            previous.close()
        return opened.store

    def open_profile(self, name: str, passphrase: str, *, how: str = SIGN_IN,
                     instructor_passphrase: str = "") -> Opened:  # fmt: skip
        """Open ``name``'s store (``how``: sign in, set up the instructor, or create a learner
        with the instructor's passphrase) and read the site's auto-lock minutes (blocking).
        Nobody is signed in by this alone: the window opens on its store thread and calls
        :meth:`begin` on its GUI thread, so the GUI never sees a half-made sign-in."""
        profiles = self.profiles
        if how == SET_UP:
            store = profiles.setup_instructor(name, passphrase)
        elif how == CREATE:
            instructor = profiles.unlock_instructor(instructor_passphrase)
            store = profiles.create(name, passphrase, instructor)
        else:
            store = profiles.unlock(name, passphrase)
        try:
            minutes = profiles.auto_lock_minutes()
            role = profiles.get(name).role
        except BaseException:
            store.close()
            raise
        return Opened(name, store, minutes, role)

    def begin(self, opened: Opened) -> LearnerStore | None:
        """Make an opened profile the signed-in one and start its auto-lock clock (no database
        work). Returns the store of anyone still signed in, for the caller to close."""
        previous = self.lock()
        self.store, self.name, self.role = opened.store, opened.name, opened.role
        clock = self.clock
        self.idle = IdleLock(opened.minutes) if clock is None else IdleLock(opened.minutes, clock)
        return previous

    def add_learner(self, name: str, passphrase: str, instructor_passphrase: str) -> None:
        """A new learner profile, made while someone else stays signed in (blocking)."""
        profiles = self.profiles
        instructor = profiles.unlock_instructor(instructor_passphrase)
        profiles.create(name, passphrase, instructor).close()

    def lock(self) -> LearnerStore | None:
        """Forget the signed-in profile at once; return its store for the caller to close on
        the thread that uses it (the window queues the close behind its pending saves)."""
        store = self.store
        self.store, self.name, self.role, self.idle, self.attempt = None, "", "", None, None
        return store

    def touch(self) -> None:
        """Activity (a key, a click): the auto-lock clock starts again."""
        if self.idle is not None:
            self.idle.touch()

    @property
    def should_lock(self) -> bool:
        """Signed in and idle for longer than the site's auto-lock minutes."""
        return self.store is not None and self.idle is not None and self.idle.expired

    def new_attempt(self, case: Case, mode: str = "practice") -> Attempt:
        """The attempt in play from now on; :meth:`Attempt.start` writes its row."""
        self.attempt = Attempt(case.meta.id, case.meta.version, mode)
        return self.attempt

    def resumed_attempt(self, attempt_id: int, case_id: str, case_version: str, mode: str,
                        seed: int = 0) -> Attempt:  # fmt: skip
        """An unfinished attempt, in play again under its saved id."""
        self.attempt = Attempt(case_id, case_version, mode, attempt_id, seed)
        return self.attempt

    def queue_for_sync(self, store: LearnerStore, attempt: Attempt, result: AttemptResult,
                       model_id: str) -> int:  # fmt: skip
        """Queue a finished attempt's anonymised statements (0 when this computer is not
        enrolled or the learner opted out). ``model_id``: the file of the model that voiced
        the patient ("none" without one). Blocking."""
        from simdesk.core.store.profiles import profile_slug
        from simdesk.core.sync.outbox import queue_finished_attempt

        return queue_finished_attempt(self.profiles.device, profile_slug(result.learner or ""),
                                      store, attempt._id(), result, attempt.mode,
                                      model_id)  # fmt: skip

    def queue_or_note(self, store: LearnerStore, attempt: Attempt, result: AttemptResult,
                      model_id: str) -> int:  # fmt: skip
        """:meth:`queue_for_sync`, with a failure noted for the Sync page instead of raised:
        the attempt is saved already, and is never lost to a sync problem."""
        try:
            return self.queue_for_sync(store, attempt, result, model_id)
        except SimdeskError as exc:
            device = self.profiles.device
            device.set_setting("sync.problem", f"An attempt could not be queued: {exc.what}")
            device.set_setting("sync.fix", exc.fix)
            return 0

    def close(self) -> None:
        """Close the signed-in store and the device database (blocking)."""
        store = self.lock()
        try:
            if store is not None:
                store.close()
        finally:
            if self._profiles is not None:
                self._profiles.close()
                self._profiles = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
