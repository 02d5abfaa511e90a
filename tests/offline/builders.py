"""Offline computers built the way the pipeline builds them, without Django.

The responders are called directly in the pipeline's order (profile, policy, outline, a
file plan per folder with ``existing`` fed forward, then every artifact after its
dependencies); :func:`write_computer` writes them with the real writers and reads every
file back with the real readers.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from pathlib import Path

from studio.artifacts.readers import extract_text
from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from studio.llm.offline import generation  # noqa: F401  (registers the responders)
from studio.llm.offline.gen_plan_mail import thread_partner
from studio.llm.offline.registry import STRUCTURED, make_request

CONTENT = {
    "docx": "DocumentContent",
    "pdf": "DocumentContent",
    "xlsx": "WorkbookContent",
    "pptx": "PresentationContent",
    "md": "TextContent",
    "txt": "TextContent",
    "csv": "CsvContent",
    "eml": "EmailContent",
    "ics": "CalendarContent",
}
PAPER_MIX = {"docx": 35.0, "xlsx": 16.0, "pdf": 14.0, "pptx": 8.5}


def ask(name: str, context: dict, seed: int = 1) -> dict:
    req = make_request(context=context, messages=[], schema_name=name, tools=[], seed=seed)
    return STRUCTURED[name](req)


def make_profile(persona: str, seed: int = 1, **attributes: object) -> dict:
    out = ask("Profile", {"persona": persona, "attributes": attributes, "seed": seed}, seed)
    s.Profile.model_validate(out)
    return out


def make_policy(profile: dict, seed: int = 1) -> dict:
    out = ask("FilesystemPolicy", {"profile": profile, "seed": seed}, seed)
    s.FilesystemPolicy.model_validate(out)
    return out


def make_outline(profile: dict, policy: dict, target: int, seed: int = 1) -> dict:
    ctx = {"profile": profile, "policy": policy, "target_files": target, "seed": seed}
    out = ask("FolderOutline", ctx, seed)
    s.FolderOutline.model_validate(out)
    return out


def make_plan(
    persona: str, seed: int = 1, target: int = 111, *, window: int | None = None, dates: bool = True
) -> tuple[dict, dict, list[dict]]:
    """FolderOutline, then FilePlan per folder with `existing` fed forward like the pipeline."""
    profile = make_profile(persona, seed)
    policy = make_policy(profile, seed)
    outline = make_outline(profile, policy, target, seed)
    files: list[dict] = []
    fields = ("key", "path", "kind", "title", "project") + (("date",) if dates else ())
    for i, folder in enumerate(outline["folders"]):
        existing = [{k: f[k] for k in fields} for f in files]
        existing = existing[-window:] if window else existing
        ctx = {
            "profile": profile,
            "policy": policy,
            "folder": folder,
            "existing": existing,
            "key_prefix": f"f{i:03d}_",
            "seed": seed,
        }
        plan = ask("FilePlan", ctx, seed * 1000 + i)
        s.FilePlan.model_validate(plan)
        assert len(plan["files"]) == folder["file_count"]
        for f in plan["files"]:
            assert f["key"].startswith(f"f{i:03d}_")
            assert f["path"].startswith(folder["path"] + "/")
        files += plan["files"]
    return profile, policy, files


def dependency_view(files: dict[str, dict], written: dict[str, dict], f: dict) -> list[dict]:
    return [
        {
            "key": d["key"],
            "relation": d["relation"],
            "path": files[d["key"]]["path"],
            "kind": files[d["key"]]["kind"],
            "title": files[d["key"]]["title"],
            "summary": written[d["key"]]["summary"],
            "facts": written[d["key"]]["facts"],
        }
        for d in f["depends_on"]
        if d["key"] in written
    ]


def render(
    profile: dict, f: dict, deps: list[dict], seed: int | None = None, **extra: object
) -> dict:
    """One artifact; like the pipeline, each file gets its own seed unless one is given."""
    seed = zlib.crc32(f["key"].encode()) if seed is None else seed
    name = CONTENT[f["kind"]]
    out = ask(
        name, {"profile": profile, "file": f, "dependencies": deps, "seed": seed, **extra}, seed
    )
    s.CONTENT_BY_KIND[f["kind"]].model_validate(out)
    return out


def envelope_for(profile: dict, files: dict[str, dict], f: dict) -> dict:
    """The pipeline's rule: the thread root comes from its partner, replies alternate."""
    depth, node = 0, f
    while True:
        parent = next((d["key"] for d in node["depends_on"] if d["relation"] == "replies_to"), None)
        if parent is None:
            break
        node, depth = files[parent], depth + 1
    other = thread_partner(node["key"], profile["collaborators"])
    me = {"name": profile["full_name"], "email": profile["email"]}
    them = {"name": other["name"], "email": other["email"]}
    sender, to = (them, me) if depth % 2 == 0 else (me, them)
    return {"sender": sender, "to": [to], "date": f["date"]}


def render_all(profile: dict, files: list[dict]) -> dict[str, dict]:
    by_key = {f["key"]: f for f in files}
    written: dict[str, dict] = {}
    for f in files:
        deps = dependency_view(by_key, written, f)
        extra: dict = {}
        if f["kind"] == "eml":
            extra["envelope"] = envelope_for(profile, by_key, f)
            extra["thread"] = [
                {
                    "subject": written[d["key"]]["facts"].get("subject", d["title"]),
                    "summary": d["summary"],
                }
                for d in deps
                if d["relation"] == "replies_to"
            ]
        written[f["key"]] = render(profile, f, deps, **extra)
    return written


def flat(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False)


def write_computer(profile: dict, files: list[dict], written: dict[str, dict], root: Path) -> dict:
    """Write every planned file under ``root`` and return {path: text read back}."""
    by_key = {f["key"]: f for f in files}
    texts = {}
    for f in files:
        content = s.CONTENT_BY_KIND[f["kind"]].model_validate(written[f["key"]])
        envelope = None
        if f["kind"] == "eml":
            raw = envelope_for(profile, by_key, f)
            envelope = s.EmailEnvelope.model_validate({**raw, "message_id": f"<{f['key']}@test>"})
        path = root / f["path"]
        when = dt.datetime.fromisoformat(f["date"])
        write_artifact(path, f["kind"], content, envelope=envelope, mtime=when)
        texts[f["path"]] = extract_text(path, f["kind"])
    return texts


def build_computer(persona: str, root: Path, *, target: int, seed: int = 1) -> tuple:
    """(profile, planned files, {path: text}) of one computer written under ``root``."""
    profile, _, files = make_plan(persona, seed, target)
    written = render_all(profile, files)
    return profile, files, write_computer(profile, files, written, root)
