"""The file tools: list, read, search, write, edit, move, copy and delete in the workspace."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from simulations.engine.office import content_for
from simulations.engine.office_edits import edit_file_bytes
from simulations.engine.sandbox import kind_of
from simulations.engine.texts import split_truncated
from simulations.engine.tools.args import (
    CopyFile,
    DeleteFile,
    EditFile,
    ListDir,
    MoveFile,
    ReadFile,
    SearchFiles,
    WriteFile,
)
from simulations.engine.tools.context import (
    LIST_LIMIT,
    READ_PAGE_CHARS,
    SEARCH_LIMIT,
    ToolContext,
    ToolResult,
    failure,
)


def _human_size(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} B"


def list_dir(ctx: ToolContext, args: ListDir) -> ToolResult:
    folder = ctx.workspace.resolve(args.path, must_exist=True)
    if not folder.is_dir():
        return failure(f"{args.path} is a file; use read_file")
    entries = sorted(
        os.scandir(folder), key=lambda e: (not e.is_dir(follow_symlinks=False), e.name.lower())
    )
    lines = []
    for entry in entries[:LIST_LIMIT]:
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            continue
        if entry.is_symlink():
            lines.append(f"{entry.name}  (symbolic link, not followed)")
        elif entry.is_dir(follow_symlinks=False):
            count = sum(1 for _ in os.scandir(entry.path))
            lines.append(f"{entry.name}/  ({count} items)")
        else:
            stat = entry.stat(follow_symlinks=False)
            when = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M")
            lines.append(f"{entry.name}  {_human_size(stat.st_size)}  modified {when}")
    where = "." if folder == ctx.workspace.home else ctx.workspace.relative(folder)
    if folder == ctx.workspace.home:  # the other volumes, as the user would see them
        lines += [f"{v.mount}  (volume {v.name})" for v in ctx.workspace.volumes if not v.home]
    more = f"\n… and {len(entries) - LIST_LIMIT} more" if len(entries) > LIST_LIMIT else ""
    body = "\n".join(lines) or "(empty folder)"
    return ToolResult(observation=f"{where}/ — {len(entries)} entries\n{body}{more}")


def read_file(ctx: ToolContext, args: ReadFile) -> ToolResult:
    path = ctx.workspace.resolve(args.path, must_exist=True)
    if path.is_dir():
        return failure(f"{args.path} is a folder; use list_dir")
    kind = kind_of(args.path)
    end = args.page * READ_PAGE_CHARS
    text, more = split_truncated(ctx.text_of(path, kind, max_chars=end))
    page = text[end - READ_PAGE_CHARS : end]
    if not page.strip():
        return ToolResult(
            observation=f"{args.path}: no text on page {args.page}"
            + ("" if args.page > 1 else " (the file is empty)")
        )
    footer = f"\n[page {args.page}; more on page {args.page + 1}]" if more else ""
    return ToolResult(observation=f"{ctx.workspace.clean(args.path)} ({kind}):\n{page}{footer}")


def search_files(ctx: ToolContext, args: SearchFiles) -> ToolResult:
    base = ctx.workspace.resolve(args.path, must_exist=True)
    prefix = "" if base == ctx.workspace.home else ctx.workspace.relative(base) + "/"
    words = [w.lower() for w in args.query.split() if w]
    hits: dict[str, str] = {}
    for directory, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(directory, d)))
        for name in sorted(filenames):
            rel = ctx.workspace.relative(Path(directory) / name)
            if all(w in rel.lower() for w in words):
                hits.setdefault(rel, "(name matches)")
        if len(hits) >= SEARCH_LIMIT:
            break
    for rel, snippet in ctx.search_index(args.query, SEARCH_LIMIT * 2):
        if rel.startswith(prefix) and len(hits) < SEARCH_LIMIT:
            hits.setdefault(rel, snippet)
    if not hits:
        return ToolResult(observation=f"No files match {args.query!r}.")
    lines = [f"{rel}: {snippet}" for rel, snippet in list(hits.items())[:SEARCH_LIMIT]]
    return ToolResult(observation=f"{len(lines)} files match {args.query!r}:\n" + "\n".join(lines))


def _render(
    kind: str, content: Any, *, title: str, author: str, when: dt.datetime, staging: Path
) -> bytes:
    from studio.artifacts.writers import write_artifact

    model = content_for(kind, content, fallback_title=title)
    staging.mkdir(parents=True, exist_ok=True)
    temp = staging / f"{secrets.token_hex(8)}.{kind}"
    try:
        write_artifact(temp, kind, model, author=author, mtime=when)
        return temp.read_bytes()
    finally:
        temp.unlink(missing_ok=True)


def write_file(ctx: ToolContext, args: WriteFile) -> ToolResult:
    rel = ctx.workspace.clean(args.path)
    kind = kind_of(rel)
    title = Path(rel).stem.replace("_", " ")
    data = _render(
        kind,
        args.content,
        title=title,
        author=ctx.user.name,
        when=ctx.now,
        staging=ctx.workspace.root / "staging",
    )
    op = ctx.workspace.stage_write(rel, data, text_of=ctx.text_of)
    verb = "Created" if op.op == "create" else "Overwrote"
    return ToolResult(observation=f"{verb} {rel} ({_human_size(op.size)}).", file_ops=[op])


def edit_file(ctx: ToolContext, args: EditFile) -> ToolResult:
    if not (args.find or args.append or args.cells):
        return failure("give `find` and `replace`, `append`, or `cells`")
    rel = ctx.workspace.clean(args.path)
    path = ctx.workspace.resolve(rel, must_exist=True)
    data, count = edit_file_bytes(
        path,
        kind_of(rel),
        find=args.find,
        replace=args.replace,
        append=args.append,
        cells=args.cells,
    )
    if args.find and count == 0 and not (args.append or args.cells):
        return failure(f"{args.find!r} does not occur in {rel}; read the file to see its text")
    op = ctx.workspace.stage_write(rel, data, text_of=ctx.text_of)
    parts = []
    if args.find:
        parts.append(f"replaced {count} occurrence{'s' if count != 1 else ''}")
    if args.cells:
        parts.append(f"set {len(args.cells)} cell{'s' if len(args.cells) != 1 else ''}")
    if args.append:
        parts.append("appended text")
    return ToolResult(observation=f"Edited {rel}: {', '.join(parts)}.", file_ops=[op])


def move_file(ctx: ToolContext, args: MoveFile) -> ToolResult:
    ops = ctx.workspace.stage_copy(args.source, args.destination, move=True)
    return ToolResult(observation=f"Moved {ops[0].source_path} to {ops[0].path}.", file_ops=ops)


def copy_file(ctx: ToolContext, args: CopyFile) -> ToolResult:
    ops = ctx.workspace.stage_copy(args.source, args.destination, move=False)
    return ToolResult(observation=f"Copied {ops[0].source_path} to {ops[0].path}.", file_ops=ops)


def delete_file(ctx: ToolContext, args: DeleteFile) -> ToolResult:
    op = ctx.workspace.stage_delete(args.path)
    return ToolResult(observation=f"Deleted {op.path}.", file_ops=[op])
