"""A child process for the crash test: appends batches of events until it is killed.

Reads the key (hex) and the first batch number from stdin; prints each batch number once its
transaction has committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from simdesk.core.sim.events import Question
from simdesk.core.store.db import open_engine
from simdesk.core.store.repository import LearnerStore

EVENTS_PER_BATCH = 5


def main() -> None:
    key = bytes.fromhex(sys.stdin.readline().strip())
    batch = int(sys.stdin.readline())
    store = LearnerStore(open_engine(Path(sys.argv[1]), key))
    print("ready", flush=True)
    while True:
        events = [
            Question(seq=batch * EVENTS_PER_BATCH + i, sim_minute=0.0, fact_ids=(),
                     text=f"batch {batch} event {i} " + "x" * 300)
            for i in range(EVENTS_PER_BATCH)
        ]  # fmt: skip
        store.append_events(1, events)
        print(batch, flush=True)
        batch += 1


if __name__ == "__main__":
    main()
