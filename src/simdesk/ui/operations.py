"""Operations: how the window runs work off the GUI thread (the shape of Anki's ``aqt.operations``).

Three kinds of work, one :class:`Operations` object per window:

- :meth:`Operations.store`: ``op(store)`` on the signed-in learner's store. It runs on the one
  store thread, so writes keep their order; the store is the one signed in when the op was
  asked for (a lock queues its close behind it). ``changed`` names what the op changed: after
  its success :attr:`Operations.store_changed` carries that name, and the pages that show the
  learner's data refresh themselves from it. Nobody calls a page's refresh by hand.
- :meth:`Operations.query`: ``op()`` on the same store thread for the rest of the database
  work (the device database, the profiles, reading the library).
- :meth:`Operations.background`: work that touches no database (a model import, the model's
  debrief summary, stopping the model, sync's network round trips) in one pool of worker
  threads, cancellable, with progress. It returns a :class:`Task` handle to cancel it.

``success`` and ``failure`` always run on the GUI thread. A failure with no handler goes to
the window's message bar. Every entry point checks that it is called on the GUI thread
(:func:`ensure_main_thread`): the callbacks it schedules are delivered there, and a call from a
worker would deliver them out of order. Widgets get results through these callbacks: none holds
a Future or waits for one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from simdesk.core.errors import Cancelled, StoreError
from simdesk.ui import gc_on_gui_thread

T = TypeVar("T")
Success = Callable[[Any], Any]
Failure = Callable[[Exception], Any]

# What a store op changed (the argument of ``store_changed``).
SIGNED_IN = "signed-in"
LOCKED = "locked"
ATTEMPT_FINISHED = "attempt-finished"  # scored and kept: statuses, progress, sync
ATTEMPT_CLOSED = "attempt-closed"  # closed unscored (an attempt that could not resume)
LIBRARY_CHANGED = "library-changed"  # a case file was added or changed: re-read the library

POOL_WORKERS = 4  # the model import, the debrief summary, a model restart and sync at once


class WrongThread(RuntimeError):
    """A GUI-thread-only call was made from another thread (a programming error)."""


def on_main_thread() -> bool:
    app = QCoreApplication.instance()
    if app is None:
        return threading.current_thread() is threading.main_thread()
    return QThread.currentThread() is app.thread()


def ensure_main_thread(what: str) -> None:
    """Raise :class:`WrongThread` unless called on the GUI thread."""
    if not on_main_thread():
        raise WrongThread(
            f"{what} was called on the thread {threading.current_thread().name!r}; it runs only "
            "on the GUI thread (do the work in an op and handle its result in success)."
        )


class _Relay(QObject):
    """Carries a callback and its argument from any thread to the GUI thread (queued)."""

    deliver = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._call)

    @staticmethod
    def _call(callback: Callable[[Any], Any], value: Any) -> None:
        callback(value)


class _Pool:
    """A fixed number of daemon worker threads, started as work arrives.

    Daemon threads, as the window's jobs always had: a job stuck in a native call (a model
    that does not answer) never keeps the app from quitting."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._limit, self._name = workers, name
        self._threads: list[threading.Thread] = []
        self._busy = 0  # jobs queued or running
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._busy += 1
            if self._busy > len(self._threads) and len(self._threads) < self._limit:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"{self._name}-{len(self._threads)}")  # fmt: skip
                self._threads.append(thread)
                thread.start()
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            finally:
                with self._lock:
                    self._busy -= 1

    @property
    def threads(self) -> int:
        return len(self._threads)

    def stop(self) -> None:
        """Let each worker finish its job and end (without waiting for them)."""
        for _ in self._threads:
            self._jobs.put(None)


class Task(QObject):
    """One cancellable job of the pool (see :meth:`Operations.background`).

    ``work(report, cancelled)`` runs on a pool thread; ``report(done, total)`` reaches
    ``progress``; ``cancelled()`` says whether the user asked to stop (the work then raises
    :class:`Cancelled` at its next check). Exactly one of ``success`` / ``failure`` follows,
    on the GUI thread."""

    _progress = Signal(int, int)
    _done = Signal(object)
    _error = Signal(object)

    def __init__(self, work, success: Success, failure: Failure,
                 progress: Callable[[int, int], None] | None = None) -> None:  # fmt: skip
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._callbacks = (success, failure, progress)
        # Slots of an object owned by the GUI thread: emits from the worker arrive queued.
        self._progress.connect(self._relay_progress)
        self._done.connect(self._relay_done)
        self._error.connect(self._relay_error)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def wait(self, timeout: float) -> bool:
        """Block until the work has returned (at most ``timeout`` s); whether it has."""
        return self._finished.wait(timeout)

    def _run(self) -> None:
        try:
            result = self._work(self._progress.emit, self._cancel.is_set)
        except Exception as exc:  # reported on the GUI thread, never swallowed
            self._finished.set()
            self._error.emit(exc)
            return
        self._finished.set()
        if self._cancel.is_set():
            self._error.emit(Cancelled())
        else:
            self._done.emit(result)

    def _relay_progress(self, done: int, total: int) -> None:
        if self._callbacks[2] is not None:
            self._callbacks[2](done, total)

    def _relay_done(self, result: object) -> None:
        self._callbacks[0](result)

    def _relay_error(self, exc: Exception) -> None:
        self._callbacks[1](exc)


class Operations(QObject):
    """The window's runner of ops: one store thread, one pool, results on the GUI thread."""

    store_changed = Signal(str)  # what changed: SIGNED_IN, LOCKED, ATTEMPT_FINISHED, ...

    def __init__(self, session, on_error: Failure, *, workers: int = POOL_WORKERS) -> None:
        super().__init__()
        gc_on_gui_thread.install()  # a worker must never be the thread that frees a widget
        self.session = session  # simdesk.app.session.Session: whose store ``store`` ops get
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simdesk-store")
        self.pool = _Pool(workers, "simdesk-work")
        self._relay = _Relay()
        self._on_error = on_error
        self._in_flight = 0  # ops on the store thread whose callbacks have not run yet
        self.tasks: set[Task] = set()
        self._closed = False

    # -- the store thread -------------------------------------------------------------------

    def store(self, op: Callable[[Any], T], *, success: Success | None = None,
              failure: Failure | None = None, changed: str = "") -> None:  # fmt: skip
        """Run ``op(store)`` on the signed-in store; ``changed``: what a success changed."""
        ensure_main_thread("Operations.store")
        store = self.session.store
        if store is None:
            (failure or self._on_error)(StoreError(
                "Nobody is signed in, so there is nowhere to save this.",
                "Sign in with your passphrase and try again.",
            ))  # fmt: skip
            return
        self._submit(lambda: op(store), success, failure, changed)

    def query(self, op: Callable[[], T], *, success: Success | None = None,
              failure: Failure | None = None, changed: str = "") -> None:  # fmt: skip
        """Run ``op()`` on the store thread, in order with every store op."""
        ensure_main_thread("Operations.query")
        self._submit(op, success, failure, changed)

    def _submit(self, op, success, failure, changed: str) -> None:
        if self._closed:  # the window closed; a late refresh has nothing left to read
            return
        self._in_flight += 1

        def finished(outcome: tuple[bool, Any]) -> None:
            self._in_flight -= 1
            ok, value = outcome
            if not ok:
                (failure or self._on_error)(value)
                return
            try:
                if success is not None:
                    success(value)
            finally:
                if changed:
                    self.store_changed.emit(changed)

        def run() -> None:
            try:
                outcome = (True, op())
            except Exception as exc:  # delivered to failure on the GUI thread
                outcome = (False, exc)
            self._relay.deliver.emit(finished, outcome)

        self._db.submit(run)

    def changed(self, what: str) -> None:
        """Say that the store changed without an op (a lock: the store is simply let go)."""
        ensure_main_thread("Operations.changed")
        self.store_changed.emit(what)

    def idle(self) -> bool:
        """No op is queued or running, and every callback has run (for tests and closing)."""
        return self._in_flight == 0

    # -- the pool ---------------------------------------------------------------------------

    def background(self, work, *, success: Success, failure: Failure | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Task:  # fmt: skip
        """Run ``work(report, cancelled)`` in the pool; returns its handle to cancel it."""
        ensure_main_thread("Operations.background")

        def finish(callback):
            def call(value) -> None:
                self.tasks.discard(task)
                callback(value)

            return call

        task = Task(work, finish(success), finish(failure or self._on_error), progress)
        self.tasks.add(task)
        self.pool.submit(task._run)
        return task

    # -- closing ----------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel the pool's jobs, then run every queued store op to its end (the last ones
        close the databases). Callbacks not yet delivered are dropped with the window."""
        for task in list(self.tasks):
            task.cancel()
        self._closed = True
        self._db.shutdown(wait=True)
        self.pool.stop()
