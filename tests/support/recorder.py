"""Records the signals a paged table model emits, in order, as tuples."""

from __future__ import annotations

from typing import Any


class Recorder:
    """``events``: ``("loading",)``, ``("loaded", *args)``, ``("failed", exc)`` and, for
    models that have it, ``("count", n)``, in the order the model emitted them."""

    def __init__(self, model: Any) -> None:
        self.events: list[tuple[Any, ...]] = []
        model.loading.connect(lambda: self.events.append(("loading",)))
        model.loaded.connect(lambda *args: self.events.append(("loaded", *args)))
        model.failed.connect(lambda exc: self.events.append(("failed", exc)))
        if hasattr(model, "countChanged"):
            model.countChanged.connect(lambda n: self.events.append(("count", n)))
