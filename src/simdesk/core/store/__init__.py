"""The encrypted learner store: a SQLCipher database per profile, its key sealed by a passphrase."""

from simdesk.core.store.autolock import IdleLock
from simdesk.core.store.profiles import InstructorSession, ProfileManager, UnlockDelayed
from simdesk.core.store.repository import LearnerStore

__all__ = ["IdleLock", "InstructorSession", "LearnerStore", "ProfileManager", "UnlockDelayed"]
