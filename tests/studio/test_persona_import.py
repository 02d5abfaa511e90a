import json

import pytest
from django.core.management import CommandError, call_command

from studio.models import Persona, PersonaPool
from studio.services.personas import PersonaImportError, persona_pool_import

pytestmark = pytest.mark.django_db


def jsonl(*rows):
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


def test_personahub_and_rich_shapes():
    report = persona_pool_import(
        pool_name="mixed",
        source=jsonl(
            {"persona": "A pediatric nurse who coordinates night shifts on a busy ward."},
            {"name": "Dana Ruiz", "role": "CFO", "company": "Northwind Foods", "industry": "Food"},
            "",
        ),
        filename="p.jsonl",
    )
    assert report.created == 2 and report.duplicates == 0
    cfo = Persona.objects.get(role="CFO")
    assert cfo.org == "Northwind Foods" and "CFO" in cfo.text and cfo.industry == "Food"


def test_bad_lines_are_reported_by_number_and_nothing_is_imported():
    with pytest.raises(PersonaImportError) as info:
        persona_pool_import(
            pool_name="bad",
            source=jsonl({"persona": "fine"}, "{not json", [1, 2], {"hobby": "chess"}),
            filename="p.jsonl",
        )
    lines = [(e.line, e.reason) for e in info.value.report.errors]
    assert [n for n, _ in lines] == [2, 3, 4]
    assert "not valid JSON" in lines[0][1] and "JSON object" in lines[1][1]
    assert "no persona text" in lines[2][1]
    assert not PersonaPool.objects.filter(name="bad").exists()
    assert Persona.objects.count() == 0


def test_duplicates_skipped_and_counted_across_imports():
    persona_pool_import(pool_name="p", source=jsonl({"persona": "A CFO"}), filename="a.jsonl")
    report = persona_pool_import(
        pool_name="p",
        source=jsonl({"persona": "a  cfo"}, {"persona": "A teacher"}, {"persona": "A teacher"}),
        filename="b.jsonl",
    )
    assert (report.created, report.duplicates) == (1, 2)
    assert Persona.objects.count() == 2


def test_csv_import_and_bad_header():
    report = persona_pool_import(
        pool_name="csv",
        filename="p.csv",
        source=b"name,role,organization\nAmy Li,Site engineer,Arup\nBo Chen,Paralegal,\n",
    )
    assert report.created == 2
    with pytest.raises(PersonaImportError, match="header"):
        persona_pool_import(pool_name="csv2", filename="p.csv", source=b"foo,bar\n1,2\n")
    with pytest.raises(PersonaImportError, match="line 3"):
        persona_pool_import(
            pool_name="csv3", filename="p.csv", source=b"persona\nA nurse\nA doctor,extra\n"
        )


def test_size_and_encoding_limits(settings):
    settings.PERSONA_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(PersonaImportError, match="larger than the limit"):
        persona_pool_import(pool_name="big", source=b"x" * 2000, filename="p.jsonl")
    with pytest.raises(PersonaImportError, match="not UTF-8"):
        persona_pool_import(pool_name="enc", source=b'{"persona": "caf\xe9"}', filename="p.jsonl")
    settings.PERSONA_MAX_CHARS = 100
    with pytest.raises(PersonaImportError, match="limit is 100"):
        persona_pool_import(
            pool_name="long", source=jsonl({"persona": "y" * 200}), filename="p.jsonl"
        )


def test_management_command(tmp_path, capsys):
    path = tmp_path / "pool.jsonl"
    path.write_bytes(jsonl({"persona": "A hospital pharmacist"}, {"persona": "A data engineer"}))
    call_command("import_personas", str(path), "--pool", "cli")
    assert "2 personas imported" in capsys.readouterr().out
    path.write_bytes(jsonl({"persona": "ok"}, "oops"))
    with pytest.raises(CommandError, match="1 bad line"):
        call_command("import_personas", str(path), "--pool", "cli")
    assert "line 2" in capsys.readouterr().err


DEEP_LINE = '{"persona": ' * 1000 + '"x"' + "}" * 1000


def test_deeply_nested_line_is_a_line_error_and_nothing_is_imported():
    with pytest.raises(PersonaImportError) as info:
        persona_pool_import(
            pool_name="deep", source=jsonl({"persona": "fine"}, DEEP_LINE), filename="p.jsonl"
        )
    assert [(e.line, e.reason) for e in info.value.report.errors] == [
        (2, "JSON nested too deeply to read")
    ]
    assert not PersonaPool.objects.exists() and not Persona.objects.exists()


def test_json_array_gets_the_one_object_per_line_hint():
    whole = json.dumps([{"persona": "A CFO"}, {"persona": "A nurse"}], indent=1).encode()
    for name in ("p.json", "personas"):
        with pytest.raises(PersonaImportError, match="one JSON object per line") as info:
            persona_pool_import(pool_name="arr", source=whole, filename=name)
        assert len(info.value.report.errors) == 1
    with pytest.raises(PersonaImportError, match="got an array: write one JSON object per line"):
        persona_pool_import(
            pool_name="arr", source=jsonl({"persona": "ok"}, [{"persona": "x"}]), filename="p.jsonl"
        )
    assert not PersonaPool.objects.exists()


def test_management_command_refuses_a_deep_line(tmp_path, capsys):
    path = tmp_path / "deep.jsonl"
    path.write_bytes(jsonl({"persona": "A hospital pharmacist"}, DEEP_LINE))
    with pytest.raises(CommandError, match="nested too deeply"):
        call_command("import_personas", str(path), "--pool", "cli")
    assert "deep.jsonl: line 2: JSON nested too deeply" in capsys.readouterr().err
    assert not PersonaPool.objects.exists()


def test_csv_field_over_the_csv_modules_limit_is_a_line_error():
    body = 'persona\nA nurse\n"' + "x" * 200_000 + '"\n'
    with pytest.raises(PersonaImportError, match="line 3: not valid CSV"):
        persona_pool_import(pool_name="csv-big", source=body.encode(), filename="p.csv")
    assert not PersonaPool.objects.exists()
