"""Progress reports from long-running steps to whoever is listening (the CLI's progress bar).

Steps report plain events; listeners are registered for the duration of a ``with`` block. Task
threads of an in-process flow run share the process, so the CLI sees every report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """``done`` of ``total`` units (None when unknown) for one ``part`` of a ``step``.

    A step such as "demo orders" has parts (its windows) that report separately; listeners add
    the parts up.
    """

    step: str
    part: str
    done: int
    total: int | None = None
    finished: bool = False


Listener = Callable[[Progress], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def report(event: Progress) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(event)
