"""Office files as generation writes them: a persona's plan rendered by the offline engine's
content responders and written by the artifact writers, one file per kind and category."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from studio.llm.offline.gen_names import category_of
from tests.offline.test_generation_responders import CFO, NURSE, make_plan, render_all

OFFICE_KINDS = ("docx", "xlsx", "pptx")


def generated_contents(
    personas: tuple[str, ...] = (CFO, NURSE), kinds: tuple[str, ...] = OFFICE_KINDS
) -> list[tuple[str, str, s.ArtifactBase]]:
    """(kind, title, content) of the first planned file of each kind and category."""
    seen: set[tuple[str, str]] = set()
    contents = []
    for seed, persona in enumerate(personas, 21):
        profile, _, files = make_plan(persona, seed, 60)
        written = render_all(profile, files)
        for planned in files:
            kind = planned["kind"]
            key = (kind, category_of(planned["title"], kind))
            if kind in kinds and key not in seen:
                seen.add(key)
                content = s.CONTENT_BY_KIND[kind].model_validate(written[planned["key"]])
                contents.append((kind, planned["title"], content))
    return contents


def write_generated(root: Path, **options) -> list[tuple[str, Path]]:
    """The generated office files written under `root`: (kind, path) each."""
    out = []
    for number, (kind, _, content) in enumerate(generated_contents(**options)):
        path = root / f"{number:02d}-{kind}.{kind}"
        write_artifact(path, kind, content, author="Dana Reyes", mtime=dt.datetime(2026, 3, 2))
        out.append((kind, path))
    return out
