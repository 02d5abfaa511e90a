"""The scheduler under generation: steps along a dependency graph on a bounded thread pool."""

from __future__ import annotations

import threading

import pytest

from studio.generation.graph_runner import GraphCycleError, run_along_graph, topological_order

# a -> b -> d, a -> c -> d, e alone, and a long chain f1..f4
GRAPH = {
    "a": [],
    "b": ["a"],
    "c": ["a"],
    "d": ["b", "c"],
    "e": [],
    "f1": [],
    "f2": ["f1"],
    "f3": ["f2"],
    "f4": ["f3", "outside"],  # a dependency outside the graph counts as met
}


class Recorder:
    def __init__(self, hold: int = 0):
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        # the first `hold` steps wait for each other, so they are certainly in flight together
        self.barrier = threading.Barrier(hold) if hold else None

    def work(self, key: str) -> str:
        with self.lock:
            self.events.append(("start", key))
        if self.barrier is not None:
            self.barrier.wait(timeout=10)  # broken (raises) unless they overlap
            self.barrier = None
        with self.lock:
            self.events.append(("end", key))
        return key.upper()


def test_steps_run_after_their_dependencies_and_within_the_bound():
    recorder = Recorder(hold=2)
    done: list[str] = []
    results = run_along_graph(
        depends_on=GRAPH, work=recorder.work, limit=2, on_done=lambda k, r: done.append(k)
    )
    assert results == {k: k.upper() for k in GRAPH}
    now = peak = 0
    finished: set[str] = set()
    for event, key in recorder.events:
        if event == "start":
            assert {d for d in GRAPH[key] if d in GRAPH} <= finished, key
            now += 1
        else:
            finished.add(key)
            now -= 1
        peak = max(peak, now)
    assert peak == 2
    # of the three steps ready at first, the two with the longest chains behind them go first
    assert {key for _, key in recorder.events[:2]} == {"f1", "a"}
    assert sorted(done) == sorted(GRAPH)


def test_a_failing_step_stops_new_starts_and_waits_for_the_running_ones():
    started: list[str] = []
    finished: list[str] = []
    release = threading.Event()

    def work(key: str) -> str:
        started.append(key)
        if key == "a":
            raise RuntimeError("step a broke")
        release.wait(timeout=10)
        finished.append(key)
        return key

    def on_progress(done: int, running: int) -> None:
        release.set()  # the others may finish once the scheduler has seen them start

    with pytest.raises(RuntimeError, match="step a broke"):
        run_along_graph(depends_on=GRAPH, work=work, limit=3, on_progress=on_progress)
    assert "b" not in started and "c" not in started and "d" not in started
    assert sorted(finished) == sorted(k for k in started if k != "a")


def test_a_cycle_is_refused_before_anything_runs():
    ran: list[str] = []
    with pytest.raises(GraphCycleError, match="x, y"):
        run_along_graph(depends_on={"x": ["y"], "y": ["x"], "z": []}, work=ran.append, limit=2)
    assert ran == []
    assert topological_order({"b": ["a"], "a": [], "c": ["b", "gone"]}) == ["a", "b", "c"]
