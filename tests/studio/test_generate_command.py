import pytest
from django.core.management import CommandError, call_command

from studio.models import Computer
from studio.services.personas import persona_pool_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool():
    return persona_pool_import(
        pool_name="cli",
        filename="p.jsonl",
        source=b'{"persona": "A corporate paralegal handling supplier contracts."}\n',
    ).pool


def test_generates_in_process_with_progress(pool, capsys):
    call_command(
        "generate_computers", "--pool", "cli", "--count", "1", "--files", "10", "--seed", "4"
    )
    out, err = capsys.readouterr()
    computer = Computer.objects.get()
    assert computer.state == "ready" and computer.stats["files"] == 10
    assert "ready:" in out and str(computer.home) in out
    assert "100%" in err  # the progress bar reached the end
    assert "files, " in err and " in flight" in err  # files done / total and in flight


def test_unknown_pool_and_bad_size_exit_nonzero(pool):
    with pytest.raises(CommandError, match="no persona pool named 'nope'"):
        call_command("generate_computers", "--pool", "nope")
    with pytest.raises(CommandError, match="between 5 and"):
        call_command("generate_computers", "--pool", "cli", "--files", "999999")


def test_failure_exits_nonzero_with_reason(pool, settings):
    settings.LLM_ROLE_CONFIG = {
        role: {**cfg, "model": "offline:faults=badjson@1"}
        for role, cfg in settings.LLM_ROLE_CONFIG.items()
    }
    with pytest.raises(CommandError, match="1 of 1 computers failed: the persona model"):
        call_command("generate_computers", "--pool", "cli", "--files", "10")
    assert Computer.objects.get().state == "failed"
