"""Case files: the schema, loading and the case library."""

from simdesk.core.cases.library import CaseEntry, load_library
from simdesk.core.cases.loader import load_case
from simdesk.core.cases.schema import Case, Fact, PatientView

__all__ = ["Case", "CaseEntry", "Fact", "PatientView", "load_case", "load_library"]
