"""How much of each worker prompt a provider's prefix cache can reuse, from the logged requests.

    python bench/prompt_cache.py [--turns 2000] [--workdays 40] [--seed 1]
                                 [--history-max-chars N] [--history-keep-chars N]

One simulation runs inline against the offline engine (LLM_BASE_URL unset or "offline"),
with request bodies logged. Its worker calls (LLMCall rows of role worker) are then read
back from the database in order, and for each tool-calling call the bench measures the
characters of its ``messages`` (as JSON) that lie in a prefix shared with the previous such
call: what OpenAI, vLLM, SGLang, llama.cpp or Anthropic can serve from their cache. Goals:
a shared share of at least 85 % over the run, and the prompt at the last worker call no more
than twice the prompt at the 100th. Also printed: tokens per worker turn (prompt and
completion and cached, as the offline engine's prefix cache reported them, from the call
records) and how often the history was condensed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.simulation import make_computer, setup  # noqa: E402


def shared_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of two strings (binary search on C-level slice
    comparisons: a character loop in Python over 2,000 prompts of 50 KB is slow)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def prompt_text(request: dict) -> str:
    return json.dumps(request["messages"], ensure_ascii=False, separators=(",", ":"))


def measure(simulation_id: int) -> dict:
    from studio.llm import bodies
    from studio.models import LLMCall

    calls = LLMCall.objects.filter(simulation_id=simulation_id, role="worker").order_by("id")
    sizes: list[int] = []
    shared: list[int] = []
    tokens: list[tuple[int, int]] = []
    cached: list[int] = []
    condensations = 0
    previous = ""
    for call in bodies.read(calls):
        if call.schema:  # the condensation's structured call (also the worker's model)
            condensations += 1
            continue
        text = prompt_text(call.request)
        sizes.append(len(text))
        shared.append(shared_prefix(previous, text))
        tokens.append((call.prompt_tokens, call.completion_tokens))
        cached.append(call.cached_tokens or 0)
        previous = text
    return {
        "sizes": sizes,
        "shared": shared,
        "tokens": tokens,
        "cached": cached,
        "condensations": condensations,
    }


def report(figures: dict, turns_run: int) -> None:
    sizes, shared, tokens = figures["sizes"], figures["shared"], figures["tokens"]
    calls = len(sizes)
    share = sum(shared) / sum(sizes)
    print(
        f"worker calls: {calls:,} tool-calling calls over {turns_run:,} turns; "
        f"{figures['condensations']} condensation calls"
    )
    print(
        f"shared prefix with the previous worker call: {100 * share:.1f} % of "
        f"{sum(sizes):,} prompt characters (goal >= 85 %)"
    )
    at_100 = sizes[min(99, calls - 1)]
    print(
        f"prompt size: call 100 {at_100:,} chars, call {calls:,} {sizes[-1]:,} chars, "
        f"ratio {sizes[-1] / at_100:.2f} (goal <= 2.00); largest {max(sizes):,}, "
        f"median {int(statistics.median(sizes)):,}"
    )
    prompt = sum(t[0] for t in tokens) / calls
    completion = sum(t[1] for t in tokens) / calls
    cached = sum(figures["cached"]) / calls
    print(
        f"tokens per worker turn: {prompt:,.0f} prompt, of which {cached:,.0f} cached "
        f"({100 * cached / prompt:.1f} %) and {prompt - cached:,.0f} not; "
        f"{completion:,.0f} completion"
    )
    for label, part in (("first 100", slice(0, 100)), ("last 100", slice(-100, None))):
        print(
            f"   {label:<10} calls: share {100 * sum(shared[part]) / sum(sizes[part]):5.1f} %, "
            f"mean prompt {statistics.mean(sizes[part]):,.0f} chars"
        )


def run_offline(prefix: str, configs: list[dict], then: Callable[[list], None]) -> None:
    """Run a simulation per config inline against the offline engine, bodies logged, in a
    studio of its own (a temporary folder, an embedded Redis); ``then(simulations)`` before
    it is all removed."""
    if os.environ.get("LLM_BASE_URL", "offline") not in ("", "offline"):
        raise SystemExit("this bench runs against the offline engine: unset LLM_BASE_URL")
    os.environ["LLM_LOG_BODIES"] = "1"
    var = Path(tempfile.mkdtemp(prefix=prefix))
    redis = None
    try:
        redis = setup(var)
        from simulations.services.runs import simulation_run_inline
        from simulations.services.simulations import simulation_create

        computer = make_computer()
        sims = []
        for config in configs:
            sim = simulation_create(computer=computer, config=config, enqueue=False)
            sim = simulation_run_inline(simulation=sim)
            print(f"simulation {sim.state} after {sim.turn_count:,} turns: {sim.stop_reason}")
            sims.append(sim)
        then(sims)
    finally:
        if redis is not None:
            redis.stop()
        shutil.rmtree(var, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--workdays", type=int, default=40, help="long enough not to stop early")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--history-max-chars", type=int, help="default: the studio's")
    parser.add_argument("--history-keep-chars", type=int, help="default: the studio's")
    args = parser.parse_args()
    config = {"workdays": args.workdays, "seed": args.seed, "max_turns": args.turns}
    for name in ("history_max_chars", "history_keep_chars"):
        if getattr(args, name) is not None:
            config[name] = getattr(args, name)
    run_offline(
        "bench-cache-", [config], lambda sims: report(measure(sims[0].pk), sims[0].turn_count)
    )


if __name__ == "__main__":
    main()
