"""The openai client's own retries are on the record: each model call keeps its HTTP round
trips, the turn whose call was retried carries a ``retry`` signal, and the run's process
signals count those turns. Faults come from the offline engine, through the real client."""

import pytest

from simulations.models import Turn
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from studio.llm import gateway
from studio.models import LLMCall

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def retrying_client(settings):
    settings.LLM_TIMEOUT = 0.5
    settings.LLM_MAX_RETRIES = 3
    gateway._client.cache_clear()
    yield
    gateway._client.cache_clear()


def test_retried_calls_show_on_their_turns_and_in_the_run(
    computer, user, fast_engine, retrying_client
):
    faulty = "offline:faults=429@0.15,500@0.15,hang@0.1;hang=2"
    simulation = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={"workdays": 1, "seed": 5, "max_turns": 60, "models": {"worker": {"model": faulty}}},
    )
    simulation = simulation_run_inline(simulation=simulation, max_seconds=240)
    assert simulation.state == "completed", simulation.error

    calls = list(LLMCall.objects.filter(simulation_id=simulation.pk, role="worker"))
    retried = [c for c in calls if len(c.attempts) > 1]
    first_failures = {c.attempts[0]["status"] for c in retried}
    assert first_failures == {429, 500, "timeout"}, first_failures
    for call in calls:  # every attempt numbered, and only the last one answered
        assert [a["attempt"] for a in call.attempts] == list(range(1, len(call.attempts) + 1))
        assert call.attempts[-1]["status"] == 200 and call.outcome != "error"

    turns = {t.llm_call_id: t for t in Turn.objects.filter(simulation=simulation)}
    assert all("retry" in turns[c.pk].signals for c in retried)
    unretried = [turns[c.pk] for c in calls if len(c.attempts) == 1 and c.pk in turns]
    assert unretried and not any("retry" in t.signals for t in unretried)
    assert simulation.outcome["process"]["retries"] == len({turns[c.pk].seq for c in retried})
