"""The encounter engine: a session over one case, its clock, its event log and disclosure."""

from simdesk.core.sim.disclosure import Disclosure, FactMatcher
from simdesk.core.sim.events import Event
from simdesk.core.sim.session import Encounter, Turn

__all__ = ["Disclosure", "Encounter", "Event", "FactMatcher", "Turn"]
