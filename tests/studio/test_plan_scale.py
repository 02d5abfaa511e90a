"""A 2,000-file computer: the plan stage at full size (writing is per file, as for 100)."""

from collections import Counter

import pytest

from studio.generation import pipeline, planning
from studio.generation.model_calls import CallLog
from studio.services.computers import computer_batch_create
from studio.services.personas import persona_pool_import


@pytest.mark.django_db
def test_two_thousand_file_plan_is_consistent():
    pool = persona_pool_import(
        pool_name="big",
        filename="p.jsonl",
        source=(b'{"persona": "A regional operations manager for a logistics company."}'),
    ).pool
    computer = computer_batch_create(
        pool=pool, count=1, target_files=2000, seed=2, enqueue=False
    ).computers.get()
    log = CallLog(computer)
    profile = pipeline._profile(computer, log)
    policy = pipeline._policy(computer, profile, log)
    plan = planning.plan_files(computer, profile, policy, log=log)
    order = planning.dependency_order(plan.items)
    home = [i for i in plan.items if not i.owner]
    assert len(home) == 2000
    assert len({i.file.path.lower() for i in home}) == 2000
    keys = {i.key for i in plan.items}
    position = {item.key: n for n, item in enumerate(order)}
    dates = {i.key: planning.aware(i.file.date) for i in plan.items}
    for item in plan.items:
        for dep in item.file.depends_on:
            assert dep.key in keys
            assert position[dep.key] < position[item.key]
            assert dates[dep.key] < dates[item.key]
    kinds = Counter(i.file.kind for i in home)
    assert abs(kinds["docx"] / 2000 - 0.35) < 0.05
    depth = sum(i.file.path.count("/") + 1 for i in home) / 2000
    assert 3.0 <= depth <= 3.8
