"""Run test workers on many threads at once, released together; any error or hang fails."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def run_together(workers: Sequence[Callable[[], object]], timeout: float = 120) -> None:
    """Start one thread per worker, release them at once, and fail on any error or hang."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def wrap(work):
        def run():
            barrier.wait()
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(work)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == []
