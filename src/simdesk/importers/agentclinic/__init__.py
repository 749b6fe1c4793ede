"""Import AgentClinic OSCE records (JSON Lines) as simdesk cases.

Each record holds ``OSCE_Examination`` with a patient actor, free-form examination findings,
free-form test results and the correct diagnosis. The importer works from the shape alone, with
no per-record code: examination keys map onto the project's regions and manoeuvres by keyword,
test keys onto catalog codes by name and synonym (``Chest_X-Ray`` -> CXR, ``CBC`` -> FBC), and
whatever maps nowhere stays playable under its own name. Every fact, finding and result keeps
``source`` = its key path in the record, and the importer reports what it could not map.
"""

from simdesk.importers.agentclinic.common import ImportReport, human, slug
from simdesk.importers.agentclinic.investigations import CatalogIndex, _is_container
from simdesk.importers.agentclinic.record import import_agentclinic, record_to_case

__all__ = [
    "CatalogIndex",
    "ImportReport",
    "_is_container",
    "human",
    "import_agentclinic",
    "record_to_case",
    "slug",
]
