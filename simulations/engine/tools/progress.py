"""The tools that move the work on: let time pass, keep a note, hand in a deliverable, finish."""

from __future__ import annotations

from simulations.engine.sandbox import kind_of
from simulations.engine.tools.args import AdvanceClock, Finish, SubmitDeliverable, UpdateMemory
from simulations.engine.tools.context import (
    MEMORY_MAX_KEYS,
    Submission,
    ToolContext,
    ToolResult,
    failure,
)


def advance_clock(ctx: ToolContext, args: AdvanceClock) -> ToolResult:
    if args.until and args.minutes:
        return failure("give either `until` or `minutes`, not both")
    if args.until == "end_of_day":
        return ToolResult(observation="You close today's session.", clock="end_of_day")
    if args.until == "next_message":
        return ToolResult(observation="You wait for the next message.", clock="next_message")
    minutes = args.minutes or 30
    return ToolResult(
        observation=f"You wait {minutes} minutes.", clock="wait", wait_minutes=minutes
    )


def update_memory(ctx: ToolContext, args: UpdateMemory) -> ToolResult:
    memory = dict(ctx.memory)
    key = args.key.strip()
    if not args.note.strip():
        if memory.pop(key, None) is None:
            return failure(f"there is no note called {key!r}")
        return ToolResult(observation=f"Removed note {key!r}.", memory=memory)
    if key not in memory and len(memory) >= MEMORY_MAX_KEYS:
        return failure(
            f"memory holds at most {MEMORY_MAX_KEYS} notes; merge or remove some "
            f"(keys: {', '.join(memory)})"
        )
    memory[key] = args.note.strip()
    return ToolResult(observation=f"Noted under {key!r}.", memory=memory)


def submit_deliverable(ctx: ToolContext, args: SubmitDeliverable) -> ToolResult:
    wanted = args.deliverable.strip().upper()
    ref = ctx.deliverables.get(wanted)
    if ref is None:
        return failure(
            f"no deliverable {args.deliverable!r}; yours are {', '.join(ctx.deliverables)}"
        )
    rel = ctx.workspace.clean(args.path or ref.path)
    path = ctx.workspace.resolve(rel, must_exist=True)
    if not path.is_file():
        return failure(f"{rel} is a folder")
    if kind_of(rel) != ref.kind:
        return failure(f"{ref.key} must be a .{ref.kind} file; {rel} is .{kind_of(rel)}")
    sha = ctx.workspace.store_file(path)
    again = " again" if ref.status == "submitted" else ""
    return ToolResult(
        observation=f"Submitted {rel} as {ref.key} ({ref.title}){again}.",
        submission=Submission(key=ref.key, path=rel, sha256=sha, note=args.note),
    )


def finish(ctx: ToolContext, args: Finish) -> ToolResult:
    pending = [d.key for d in ctx.deliverables.values() if d.status != "submitted"]
    note = f" Not submitted: {', '.join(pending)}." if pending else ""
    return ToolResult(observation=f"You end the month's work.{note}", finished=True)
