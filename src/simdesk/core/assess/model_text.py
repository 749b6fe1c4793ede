"""What assessment needs from a model: ``generate(prompt, stop, max_tokens) -> text``.

Judgements of an unsure diagnosis and the debrief's narrative run after the learner has
submitted, on a worker thread or the command line, so they may wait for the model. The one
blocking adapter is :meth:`simdesk.app.model.ModelService.generate`; these prompts are separate
from the patient's transcript, which never sees them.
"""

from __future__ import annotations

from collections.abc import Callable

Generate = Callable[[str, tuple[str, ...], int], str]
