"""Export trajectories as JSONL (see simulations/review/export.py for the format), or as
parquet shards with a manifest (simulations/review/parquet_export.py).

    python manage.py export_trajectories --out trajectories.jsonl [--state completed]
        [--policy cut|drop] [--flag good|needs_review|unflagged] [--label NAME|ID]
        [--annotator USERNAME] [--signal loops] [--computer ID] [--simulation ID ...]
        [--user USERNAME]
    python manage.py export_trajectories --format parquet --out DIR [--shard-size 100] ...

JSONL: writes FILE atomically (a temporary file renamed at the end) and FILE.manifest.json
beside it. Parquet: DIR gets shard-00000.parquet, ... and manifest.json; a re-run into the same
DIR with the same settings skips the shards already complete. Both stream: a few trajectories
in memory at a time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from simulations.models import Simulation
from simulations.review import export, parquet_export, selectors
from simulations.review.models import Label


class Command(BaseCommand):
    help = "Export trajectories as JSONL in the OpenAI chat format with tool calls."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            required=True,
            help="the .jsonl file to write ('-' for stdout), or the directory of parquet shards",
        )
        parser.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
        parser.add_argument(
            "--shard-size", type=int, default=100, help="trajectories per parquet shard"
        )
        parser.add_argument(
            "--policy",
            choices=[p.value for p in export.BadTurnPolicy],
            default="cut",
            help="turns labelled bad: cut the trajectory before them, or drop it",
        )
        parser.add_argument(
            "--state", default="completed", help="simulation state ('' for any); default completed"
        )
        parser.add_argument("--flag", choices=["good", "needs_review", "unflagged"], default="")
        parser.add_argument("--label", default="", help="only runs with a turn carrying this label")
        parser.add_argument("--annotator", default="", help="only runs this user annotated")
        parser.add_argument("--signal", choices=list(selectors.SIMULATION_SIGNALS), default="")
        parser.add_argument("--computer", type=int, default=None)
        parser.add_argument("--simulation", type=int, nargs="*", default=None)
        parser.add_argument("--user", default="", help="only what this user may see (default: all)")

    def handle(self, *args, **opts):
        if opts["state"] and opts["state"] not in Simulation.State.values:
            raise CommandError(f"--state must be one of {', '.join(Simulation.State.values)} or ''")
        users = get_user_model().objects
        user = None
        if opts["user"]:
            user = users.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"no user {opts['user']!r}")
        label_id = None
        if opts["label"]:
            label = (
                Label.objects.filter(pk=int(opts["label"])).first()
                if opts["label"].isdigit()
                else Label.objects.filter(name=opts["label"]).first()
            )
            if label is None:
                raise CommandError(f"no label {opts['label']!r}")
            label_id = label.pk
        annotator_id = None
        if opts["annotator"]:
            annotator = users.filter(username=opts["annotator"]).first()
            if annotator is None:
                raise CommandError(f"no user {opts['annotator']!r}")
            annotator_id = annotator.pk
        filters = selectors.SimulationFilters(
            state=opts["state"],
            flag=opts["flag"],
            label=label_id,
            annotator=annotator_id,
            signal=opts["signal"],
            computer=opts["computer"],
        )
        policy = export.BadTurnPolicy(opts["policy"])
        candidates = export.export_candidates(
            user=user, filters=filters, simulation_ids=opts["simulation"]
        )
        if opts["format"] == "parquet":
            return self._parquet(candidates, policy, filters, opts)
        flagged = export.flagged_bad_count(candidates)
        stats = export.ExportStats()
        lines = export.export_lines(export.export_queryset(candidates), policy=policy, stats=stats)
        if opts["out"] == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            return
        out = Path(opts["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        temp = out.with_name(f".{out.name}.partial")
        try:
            with temp.open("w", encoding="utf-8") as stream:
                for line in lines:
                    stream.write(line)
            os.replace(temp, out)
        finally:
            temp.unlink(missing_ok=True)
        manifest = export.manifest(
            policy=policy,
            filters=filters,
            stats=stats,
            candidates=candidates.count(),
            flagged_bad=flagged,
        )
        manifest["file"] = out.name
        Path(f"{out}.manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        self.stdout.write(
            f"Wrote {stats.written} trajectories ({stats.messages:,} messages) to {out}; "
            f"left out {flagged} flagged bad, {stats.dropped_bad_label} with bad-labelled turns "
            f"(policy {policy.value}), {stats.empty} with nothing left; cut {stats.cut}."
        )

    def _parquet(self, candidates, policy, filters, opts):
        if opts["out"] == "-":
            raise CommandError("parquet shards go to a directory: --out DIR")

        def progress(entry, skipped):
            verb = "kept" if skipped else "wrote"
            self.stdout.write(f"{verb} {entry['file']}: {entry['rows']} trajectories")

        try:
            manifest = parquet_export.parquet_export(
                candidates=candidates,
                policy=policy,
                filters=filters,
                out=Path(opts["out"]),
                shard_size=opts["shard_size"],
                progress=progress,
            )
        except parquet_export.ParquetExportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Wrote {manifest['written']} trajectories in {len(manifest['shards'])} shards to "
            f"{opts['out']}; left out {manifest['excluded_flagged_bad']} flagged bad, "
            f"{manifest['dropped_bad_label']} with bad-labelled turns (policy {policy.value}), "
            f"{manifest['empty_after_policy']} with nothing left; cut {manifest['cut']}."
        )
