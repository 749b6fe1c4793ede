"""How often an examination says the catalog's normal line where an imported record authors a
finding it may contradict (issue F15).

Every region of every imported AgentClinic record that has an authored finding is examined by
the examination panel's requests (the whole region, then each manoeuvre the panel offers). A
request counts when its reply says a default normal line (no finding behind it) beside, or
instead of, an authored abnormal finding of that region whose record key names no manoeuvre (the
importer cannot say which manoeuvre found it, so any default of the region may contradict it).
Abnormal: the finding's text says something other than normal ("no abnormalities", "normal",
"unremarkable", "intact", "within normal limits" mark a normal one). Also printed, for context:
requests that say a default in a region with any abnormal authored finding (a record naming its
manoeuvre, e.g. Abdominal_Examination/Palpation, leaves the other manoeuvres to the defaults, as
authored).

    PYTHONPATH=src python benchmarks/exam_defaults.py [--show]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.eval import unseen  # noqa: E402

from simdesk.core.cases.catalog import load_catalog  # noqa: E402
from simdesk.core.sim.matching import exam_request_text  # noqa: E402
from simdesk.core.sim.session import Encounter  # noqa: E402

NORMAL = re.compile(
    r"\b(no abnormalit\w*|normal|unremarkable|intact|within normal limits|nad)\b", re.IGNORECASE
)
NAMED = ("inspection", "palpation", "percussion", "auscultation")


def _unnamed(finding) -> bool:
    """The record's key for the finding names no manoeuvre."""
    path = (finding.source or "").lower()
    return not any(m in path for m in NAMED)


def main() -> None:
    show = "--show" in sys.argv
    catalog = load_catalog()
    requests = bug = context = 0
    for number, case in sorted(unseen.imported().items()):
        for region in sorted({f.region for f in case.examination.findings} - {"general"}):
            abnormal = [
                f for f in case.examination.findings
                if f.region == region and not NORMAL.search(f.finding)
            ]  # fmt: skip
            if not abnormal:
                continue
            # what the examination panel offers: the whole region, the catalog's manoeuvres
            # for it and the record's
            offered = set(catalog.examination.regions[region].normal)
            offered |= {f.manoeuvre for f in case.examination.findings if f.region == region}
            for manoeuvre in [None, *sorted(offered)]:
                text = exam_request_text(region, manoeuvre)
                result = Encounter(case).examine(text)
                requests += 1
                if not any(ln.finding is None for ln in result.lines):
                    continue
                context += 1
                if any(_unnamed(f) for f in abnormal):
                    bug += 1
                    if show:
                        print(f"#{number} {text!r} -> {result.text[:160]}")
    print(f"{requests} requests of a region with an abnormal authored finding (107 records)")
    print(f"  a default beside/instead of a manoeuvre-less abnormal finding: {bug}")
    print(f"  a default in a region with any abnormal finding (context): {context}")


if __name__ == "__main__":
    main()
