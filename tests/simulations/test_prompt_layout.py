"""The worker's prompt is laid out for providers' prefix caches: over a run of a few hundred
turns, each logged worker request repeats the previous one and adds to it, except when the
history is condensed or the objectives changed; the situation now is only in the last
message; condensation is rare and the transcript stays valid for the tools API."""

import orjson
import pytest

from simulations.engine import memory
from simulations.models import Turn
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from studio.llm import bodies
from studio.models import LLMCall

STATE_KEYS = {"clock", "budget", "mail", "memory", "briefing"}
MAX_CHARS, KEEP_CHARS = 30_000, 12_000


def _contexts(message: dict) -> dict:
    content, found, start = message.get("content") or "", {}, 0
    while (start := content.find("<context>", start)) >= 0:
        end = content.index("</context>", start)
        found |= orjson.loads(content[start + len("<context>") : end])
        start = end
    return found


def _assert_valid_transcript(messages: list[dict]) -> None:
    """Every assistant tool call is answered, in order, by the tool messages right after it."""
    pending: list[str] = []
    for message in messages:
        if message["role"] == "tool":
            assert pending and message["tool_call_id"] == pending.pop(0)
            continue
        assert not pending, "a tool call was left unanswered"
        if message["role"] == "assistant":
            pending = [call["id"] for call in message.get("tool_calls") or []]
    assert not pending


@pytest.fixture
def run(computer, user, fast_engine, settings):
    settings.LLM_LOG_BODIES = True
    simulation = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={
            "workdays": 10,
            "max_turns": 300,
            "seed": 3,
            "history_max_chars": MAX_CHARS,
            "history_keep_chars": KEEP_CHARS,
        },
    )
    simulation = simulation_run_inline(simulation=simulation, max_seconds=300)
    assert simulation.state == "completed", simulation.error
    return simulation


@pytest.mark.django_db(transaction=True)
def test_worker_requests_extend_each_other_until_a_condensation(run):
    worker_calls = LLMCall.objects.filter(simulation_id=run.pk, role="worker").order_by("id")
    calls = [(call.schema, call.request) for call in bodies.read(worker_calls)]
    requests = [request["messages"] for schema, request in calls if not schema]
    condensed_before = []  # per worker call: did a condensation call come since the last one
    since = False
    for schema, _ in calls:
        if schema:
            since = True
        else:
            condensed_before.append(since)
            since = False
    condensations = Turn.objects.filter(simulation=run, action="condense").count()
    assert 3 <= condensations == sum(condensed_before)
    # rare, large steps: each one waits for the history to grow past the high-water mark and
    # folds it down to the low-water mark
    written = sum(memory.history_chars([t])[1] for t in Turn.objects.filter(simulation=run))
    assert condensations <= written / (MAX_CHARS - KEEP_CHARS)

    extended = month_changed = 0
    for n, messages in enumerate(requests):
        _assert_valid_transcript(messages)
        # the situation now is the last message, and only there
        assert set(_contexts(messages[-1])) == STATE_KEYS
        assert all(not STATE_KEYS & set(_contexts(m)) for m in messages[:-1])
        assert set(_contexts(messages[1])) == {"you", "collaborators", "objectives", "summary"}
        # the history between them stays under the high-water mark
        assert sum(map(memory.json_chars, messages[2:-1])) <= MAX_CHARS
        if n == 0:
            continue
        previous = requests[n - 1]
        assert messages[0] == previous[0]  # the system prompt never changes
        history, before = messages[2:-1], previous[2:-1]
        if condensed_before[n]:
            assert len(history) < len(before)  # folded down...
            continue
        assert history[: len(before)] == before  # ...else append-only
        if messages[1] == previous[1]:
            extended += 1  # the whole request but its last message is a prefix of the next
            assert messages[: len(previous) - 1] == previous[:-1]
        else:
            month_changed += 1
            # a draft, a review or a submission changed the objectives as they stand
            assert _contexts(messages[1])["objectives"] != _contexts(previous[1])["objectives"]
    # the objectives as they stand change a few times per deliverable in a month (a draft, a
    # review back, a submission), not with the turns
    assert month_changed <= 4 * run.deliverables.count() < len(requests) / 2
    assert extended + month_changed + condensations == len(requests) - 1
    # the offline worker reads the objectives from the first message and the clock from the
    # last: it gets its work done
    assert run.deliverables.filter(status="submitted").exists()


@pytest.mark.django_db(transaction=True)
def test_condensation_folds_whole_turns_down_to_the_low_water_mark(run):
    turns = list(Turn.objects.filter(simulation=run).order_by("seq"))
    sizes = [memory.history_chars([t])[1] for t in turns]
    assert memory.turns_to_fold(turns[:5], max_chars=sum(sizes[:5]), keep_chars=1) == []
    folded = memory.turns_to_fold(turns, max_chars=KEEP_CHARS, keep_chars=KEEP_CHARS // 2)
    kept = sizes[len(folded) :]
    assert sum(kept) <= KEEP_CHARS // 2 < sum(kept) + sizes[len(folded) - 1]
    assert folded == turns[: len(folded)]
    _assert_valid_transcript(memory.history_messages(turns[len(folded) :]))
