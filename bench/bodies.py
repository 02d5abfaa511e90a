"""Bytes the model call bodies of a real offline run take: stored as deltas, against whole.

    python bench/bodies.py [--runs 3] [--turns 2000] [--workdays 40]

``--runs`` simulations run inline against the offline engine (one after the other, seeds 1..N)
with bodies logged. Every call's bodies are then read back through studio.llm.bodies and the
bench prints, per call and per turn: the bytes stored now (request deltas and snapshots,
responses, and the delta columns), and what the same bodies took before the deltas (each
request and response compressed whole, zstd level 1, as the CompressedJSONField stored them),
the share of calls stored whole, the longest delta chain, the time to read a run's calls
in order and one call alone, and the CPU the runs spent writing the bodies: encoding them
(``bodies.write``) and that with the insert of the rows (to ``bodies.written``), per call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prompt_cache import run_offline  # noqa: E402

DELTA_COLUMNS = 8 + 8 + 4 + 4  # request_base, request_root, request_prefix, request_suffix


class WriteMeter:
    """CPU of this thread (the run's, inline) from ``bodies.write`` entering to its return
    (the encoding) and on to ``bodies.written`` returning (the insert besides)."""

    def __init__(self) -> None:
        self.calls, self.encode, self.insert, self.started = 0, 0.0, 0.0, None

    def install(self) -> None:
        from studio.llm import bodies

        write, written = bodies.write, bodies.written

        def timed_write(calls):
            started = time.thread_time()
            write(calls)
            self.encode += time.thread_time() - started
            self.started = started

        def timed_written(calls):
            written(calls)
            self.insert += time.thread_time() - self.started
            self.calls += len(calls)

        bodies.write, bodies.written = timed_write, timed_written

    def report(self) -> None:
        print(
            f"writing the bodies, CPU a call: encoding {self.encode * 1000 / self.calls:.3f} ms, "
            f"encoding and inserting {self.insert * 1000 / self.calls:.3f} ms "
            f"({self.calls:,} calls)"
        )


def measure(simulation_ids: list[int]) -> dict:
    from studio.llm import bodies, body_codec
    from studio.models import LLMCall

    figures = dict.fromkeys(("calls", "before", "request", "response", "snapshots"), 0)
    figures.update(depth=0, read_run_ms=[], read_one_ms=[], roles={})
    for sim_id in simulation_ids:
        calls = LLMCall.objects.filter(simulation_id=sim_id).order_by("id")
        depth: dict[int, int] = {}
        last, reading, rows = None, 0.0, bodies.read(calls)
        while True:
            started = time.perf_counter()
            call = next(rows, None)
            if call is None:
                break
            request, response = (bodies.text_of(call, p) for p in ("request", "response"))
            reading += time.perf_counter() - started
            figures["calls"] += 1
            figures["before"] += len(body_codec.pack(request)) + (
                len(body_codec.pack(response)) if response else 0
            )
            figures["request"] += len(call.request_body) + DELTA_COLUMNS
            figures["response"] += len(call.response_body or b"")
            figures["snapshots"] += call.request_base is None
            role = figures["roles"].setdefault(f"{call.role} {call.schema}".strip(), [0, 0, 0])
            role[0] += 1
            role[1] += call.request_base is None
            role[2] += len(call.request_body) + len(call.response_body or b"")
            depth[call.pk] = 0 if call.request_base is None else depth[call.request_base] + 1
            last = call.pk
        figures["read_run_ms"].append(reading * 1000 / len(depth))
        figures["depth"] = max(figures["depth"], *depth.values())
        started = time.perf_counter()
        LLMCall.objects.get(pk=last).request  # noqa: B018 (read alone, its chain included)
        figures["read_one_ms"].append((time.perf_counter() - started) * 1000)
    return figures


def report(figures: dict, turns: int) -> None:
    calls = figures["calls"]
    after = figures["request"] + figures["response"]
    print(f"{calls:,} model calls over {turns:,} turns")
    for label, total in (("before (whole, zstd)", figures["before"]), ("now (deltas)", after)):
        print(f"{label:<22} {total / calls:9,.0f} B a call {total / turns:9,.0f} B a turn")
    print(
        f"   of which requests {figures['request'] / calls:,.0f} B a call, responses "
        f"{figures['response'] / calls:,.0f} B a call; {figures['before'] / after:.1f}x smaller"
    )
    print(
        f"{100 * figures['snapshots'] / calls:.1f} % of requests stored whole; longest chain "
        f"{figures['depth']} deltas; reading a run's calls in order "
        f"{statistics.median(figures['read_run_ms']):.2f} ms a call, one call alone "
        f"{statistics.median(figures['read_one_ms']):.1f} ms"
    )


def report_roles(figures: dict) -> None:
    for name, (count, whole, stored) in sorted(figures["roles"].items(), key=lambda r: -r[1][2]):
        print(f"   {name:<32} {count:6,} calls, {whole:5,} whole, {stored / count:8,.0f} B a call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--workdays", type=int, default=40, help="long enough not to stop early")
    args = parser.parse_args()
    configs = [
        {"workdays": args.workdays, "seed": seed, "max_turns": args.turns}
        for seed in range(1, args.runs + 1)
    ]

    meter = WriteMeter()
    meter.install()

    def then(sims: list) -> None:
        meter.report()
        figures = measure([sim.pk for sim in sims])
        report(figures, sum(sim.turn_count for sim in sims))
        report_roles(figures)

    run_offline("bench-bodies-", configs, then)


if __name__ == "__main__":
    main()
