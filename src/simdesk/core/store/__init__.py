"""The encrypted learner store: a SQLCipher database per profile, its key sealed by a passphrase."""

from simdesk.core.store.profiles import ProfileManager
from simdesk.core.store.repository import LearnerStore

__all__ = ["LearnerStore", "ProfileManager"]
