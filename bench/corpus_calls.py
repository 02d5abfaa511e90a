"""The corpus's call records with their bodies (bench/corpus_turns.py): each run's worker and
collaborator requests laid out as the studio's (the worker's system prompt and tools, an
append-only history, the situation now last; the history condensed as the studio's default),
each stored by studio.llm.bodies' own encoder against the chain's recent requests, as the
studio stores them; responses as it stores them too."""

from __future__ import annotations

import json


def _dumps(value) -> bytes:
    from studio.llm import body_codec

    return body_codec.dumps(value)


class Chain:
    """One chain's recent requests, as studio.llm.bodies keeps them in a process."""

    def __init__(self) -> None:
        self.recent: list = []

    def store(self, call_id: int, text: bytes) -> tuple:
        """(request_body, request_base, request_root, request_prefix, request_suffix)."""
        from studio.llm import bodies, body_codec

        base, delta, body = body_codec.encode(text, self.recent)
        if base is None:
            entry, row = body_codec.Recent(call_id, text, 0, call_id), (body, None, None, 0, 0)
        else:
            entry = body_codec.Recent(call_id, text, base.depth + 1, base.root)
            row = (body, base.pk, base.root, delta.prefix, delta.suffix)
        self.recent = [*self.recent, entry][-bodies.CANDIDATES :]
        return row


class RunCalls:
    """The request and response bodies of one run's calls, turn by turn."""

    def __init__(self, sim_pk: int, text, rng) -> None:
        from simulations.config import SimulationConfig
        from simulations.engine.tools import TOOL_SPECS
        from simulations.engine.worker_prompt import worker_prompt

        self.text, self.rng = text, rng
        self.system = _dumps({"role": "system", "content": worker_prompt().system})
        self.tools = _dumps(TOOL_SPECS)
        self.month = self._month()
        self.history: list[bytes] = []
        self.history_chars = 0
        self.worker, self.collaborator = Chain(), Chain()
        self.thread: list[str] = []
        self.sim_pk = sim_pk
        # the situation now: the clock and budget change every turn, the rest when it happens
        self.memory, self.latest_mail = text.paragraph(400), text.paragraph(160)
        config = SimulationConfig()  # the history's high- and low-water marks
        self.condense_at, self.keep = config.history_max_chars, config.history_keep_chars

    def _month(self) -> bytes:
        objectives = [{"title": self.text.paragraph(60), "brief": self.text.paragraph(500)}] * 4
        content = f"The month ahead.\n\n<context>\n{json.dumps(objectives)}\n</context>"
        return _dumps({"role": "user", "content": content})

    def worker_call(self, call_id: int, seq: int, action: str, arguments, reasoning, observation):
        """The columns of the worker's call at ``seq`` (its request holds the turns before)."""
        from studio.llm import body_codec

        if self.rng.random() < 0.01:  # the objectives as they stand changed
            self.month = self._month()
        if action == "update_memory":
            self.memory = self.text.paragraph(400)
        situation = {
            "clock": f"day {seq // 100 + 1}, {9 + seq % 8}:{seq % 60:02d}",
            "budget": {"turns_left": 2_300 - seq, "tokens_left": 40_000_000 - 9_000 * seq},
            "mail": {"unread": seq % 5, "latest": self.latest_mail},
            "memory": self.memory,
        }
        tail = _dumps({"role": "user", "content": f"Now.\n<context>{json.dumps(situation)}"})
        text = b"".join(
            (
                b'{"model":"gpt-5-mini","messages":[',
                b",".join((self.system, self.month, *self.history, tail)),
                b'],"seed":%d,"tools":' % (seq * 7_919),
                self.tools,
                b"}",
            )
        )
        row = self.worker.store(call_id, text)
        tool_call = {"id": f"call_{seq}", "type": "function", "function": {
            "name": action, "arguments": json.dumps(arguments)}}  # fmt: skip
        response = {
            "id": f"chatcmpl-{self.sim_pk}-{seq}", "object": "chat.completion",
            "created": 1_772_000_000 + seq, "model": "gpt-5-mini",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None, "reasoning_content": reasoning,
                "tool_calls": [tool_call]}}],
            "usage": {"prompt_tokens": 9_000, "completion_tokens": 300, "total_tokens": 9_300},
        }  # fmt: skip
        self._remember(
            {"role": "assistant", "content": None, "tool_calls": [tool_call]},
            {"role": "tool", "tool_call_id": f"call_{seq}", "content": observation},
        )
        return (*row, body_codec.pack_response(_dumps(response), text))

    def collaborator_call(self, call_id: int, seq: int, reply: str):
        from studio.llm import body_codec

        context = {"thread": self.thread, "you": "Grace Hopper", "seq": seq}
        text = _dumps(
            {
                "model": "gpt-5-mini",
                "messages": [
                    {"role": "system", "content": "You are a colleague. " * 40},
                    {"role": "user", "content": f"Reply.\n<context>{json.dumps(context)}"},
                ],
                "response_format": {"type": "json_schema", "json_schema": {"name": "Reply"}},
                "seed": seq,
            }
        )
        row = self.collaborator.store(call_id, text)
        response = {"id": f"chatcmpl-{self.sim_pk}-{seq}", "choices": [{"message": {
            "role": "assistant", "content": json.dumps({"reply": reply})}}]}  # fmt: skip
        self._remember({"role": "user", "content": f"Mail from Grace Hopper: {reply[:600]}"})
        self.thread = [*self.thread, reply][-3:]  # the next request of the thread holds it
        self.latest_mail = reply[:160]
        return (*row, body_codec.pack_response(_dumps(response), text))

    def event(self, observation: str) -> None:
        self._remember({"role": "user", "content": observation[:600]})

    def _remember(self, *messages) -> None:
        for message in messages:
            item = _dumps(message)
            self.history.append(item)
            self.history_chars += len(item)
        if self.history_chars > self.condense_at:  # folded down, the summary in the month one
            while self.history_chars > self.keep:
                self.history_chars -= len(self.history.pop(0))
            self.month = self._month()
