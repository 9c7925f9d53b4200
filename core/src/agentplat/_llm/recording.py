"""Recording a run's LLM calls, and replaying them when the run is resumed.

A recorded run's context carries one ``LLMRecording`` (the store and the run id), so
``LLM.call`` records each answer and, on resume, serves the answer already paid for instead
of asking the endpoint again. Identical requests are matched in order: the n-th identical
request of a run gets the n-th recorded answer. Counting is per ``LLMRecording``, that is
per attempt of a run in this process: every resume counts from the start.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .._store.runs import request_hash

if TYPE_CHECKING:
    from .._store.runs import RunStore


class LLMRecording:
    """The LLM calls of one run in one store."""

    def __init__(self, store: "RunStore", run_id: str):
        self.store = store
        self.run_id = run_id
        self._seen: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()  # a tool may call a model from a thread of its own

    def replay(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """The recorded response for this request, if one is left to replay."""
        key = request_hash(request)
        recorded = self.store.recorded_responses(self.run_id, request)
        with self._lock:
            seen = self._seen[key]
            self._seen[key] = seen + 1
        return recorded[seen] if seen < len(recorded) else None

    def record(self, request: dict[str, Any], response: dict[str, Any], latency: float,
               step_index: int | None) -> None:
        self.store.record_llm_call(
            self.run_id, step_index=step_index, role=request.get("role", ""),
            model=request.get("model", ""), request=request, response=response, latency=latency,
        )
