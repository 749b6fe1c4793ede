"""Assessment: evidence-backed scoring, diagnosis matching, debrief, modes, learner model, reports.

Pure functions over a case and an encounter's event log; no Qt, no database access of its own
(results are kept as ``assessment`` events in the learner store's attempt log).
"""
