"""Running steps along a dependency graph on a bounded pool of threads.

A step starts once every step it depends on has finished and its result has been handed to
``on_done``; at most ``limit`` steps run at once. Model calls are I/O, and the openai client
is thread-safe, so threads are the simplest pool that overlaps them (under a gevent worker
they are greenlets). Everything but ``work`` runs on the calling thread.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


class GraphCycleError(ValueError):
    pass


def topological_order(depends_on: Mapping[str, Iterable[str]]) -> list[str]:
    """The keys, each after the keys it depends on (those outside the mapping are taken as
    met), otherwise in the mapping's order as far as it goes."""
    deps = {key: {d for d in ds if d in depends_on} for key, ds in depends_on.items()}
    return _topological(deps, _dependents(deps))


def _dependents(deps: Mapping[str, set[str]]) -> dict[str, list[str]]:
    dependents: dict[str, list[str]] = {key: [] for key in deps}
    for key, ds in deps.items():
        for dep in ds:
            dependents[dep].append(key)
    return dependents


def _topological(deps: Mapping[str, set[str]], dependents: Mapping[str, list[str]]) -> list[str]:
    indegree = {key: len(ds) for key, ds in deps.items()}
    order = [key for key, n in indegree.items() if not n]
    for key in order:  # grows while it is read
        for child in dependents[key]:
            indegree[child] -= 1
            if not indegree[child]:
                order.append(child)
    if len(order) != len(deps):
        stuck = sorted(key for key, n in indegree.items() if n)[:5]
        raise GraphCycleError(f"dependency cycle (involving {', '.join(stuck)})")
    return order


def run_along_graph(
    *,
    depends_on: Mapping[str, Sequence[str]],
    work: Callable[[str], T],
    limit: int,
    on_done: Callable[[str, T], None] = lambda key, result: None,
    on_progress: Callable[[int, int], None] = lambda done, running: None,
) -> dict[str, T]:
    """Run ``work(key)`` for every key of ``depends_on`` (dependencies outside it are taken
    as met); return the results by key. A cycle is refused before anything runs. The first
    step to raise stops the run: no step starts after it, the running ones are waited for, and
    its exception is raised."""
    deps = {key: {d for d in ds if d in depends_on} for key, ds in depends_on.items()}
    dependents = _dependents(deps)
    # Each step's longest chain of dependents, itself included: starting the longest chains
    # first keeps a bounded pool from leaving a deep chain for last.
    height: dict[str, int] = {}
    for key in reversed(_topological(deps, dependents)):
        height[key] = 1 + max((height[c] for c in dependents[key]), default=0)
    order = {key: n for n, key in enumerate(depends_on)}
    ready = [(-height[k], order[k], k) for k, ds in deps.items() if not ds]
    heapq.heapify(ready)
    results: dict[str, T] = {}
    running: dict[Future, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, limit), thread_name_prefix="graph-step") as pool:
        try:
            while ready or running:
                while ready and len(running) < limit:
                    key = heapq.heappop(ready)[2]
                    running[pool.submit(work, key)] = key
                on_progress(len(results), len(running))
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: order[running[f]]):
                    key = running.pop(future)
                    results[key] = future.result()
                    on_done(key, results[key])
                    for child in dependents[key]:
                        deps[child].discard(key)
                        if not deps[child]:
                            heapq.heappush(ready, (-height[child], order[child], child))
            on_progress(len(results), 0)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results
