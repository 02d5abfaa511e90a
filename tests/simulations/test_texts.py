"""The text cache: one extraction per distinct content, never a stale text."""

import os

from simulations.engine import texts


def test_copies_share_one_extraction_and_a_change_is_seen(tmp_path, monkeypatch):
    calls = []
    real = texts._extract
    monkeypatch.setattr(texts, "_extract", lambda *a: calls.append(a[0].name) or real(*a))
    first, second = tmp_path / "a" / "notes.md", tmp_path / "b" / "notes.md"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text("# Budget\n\nQ3 spend is 41,200 EUR.\n")
    assert texts.text_of(first, "md") == texts.text_of(second, "md")
    assert texts.text_of(first, "md").startswith("# Budget")
    assert calls == ["notes.md"]  # the copy (another simulation's workspace) hit the cache
    tmp = first.with_suffix(".tmp")  # as the tools write: a new file renamed over the old
    tmp.write_text("# Budget\n\nQ3 spend is 44,900 EUR.\n")
    os.replace(tmp, first)
    assert "44,900" in texts.text_of(first, "md")
    assert "41,200" in texts.text_of(second, "md")
    assert texts.text_of(first, "md", max_chars=8).endswith(texts.TRUNCATION_MARKER)
