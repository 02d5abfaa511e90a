"""Review pages under /review/. Every turn has a stable address to share:
/review/simulations/<id>/turns/<seq>/."""

from django.urls import path

from simulations.review.views import annotate, exports, learn, lists, lookback, queues, search

urlpatterns = [
    path("", lists.dashboard, name="review-dashboard"),
    path("simulations/", lists.simulation_list, name="review-simulation-list"),
    path("turns/", lists.turn_list, name="review-turn-list"),
    path("simulations/<int:pk>/", annotate.simulation_detail, name="review-simulation"),
    path("simulations/<int:pk>/flag", annotate.simulation_flag, name="review-flag"),
    path("simulations/<int:pk>/turns/<int:seq>/", annotate.turn_review, name="review-turn"),
    path(
        "simulations/<int:pk>/turns/<int:seq>/annotate",
        annotate.turn_annotate,
        name="review-turn-annotate",
    ),
    path(
        "simulations/<int:pk>/turns/<int:seq>/label", annotate.turn_label, name="review-turn-label"
    ),
    path(
        "simulations/<int:pk>/turns/<int:seq>/changes",
        lookback.turn_changes,
        name="review-turn-changes",
    ),
    path("simulations/<int:pk>/files/", lookback.timetravel_tree, name="review-timetravel"),
    path(
        "simulations/<int:pk>/files/<path:path>",
        lookback.timetravel_file,
        name="review-version",
    ),
    path(
        "simulations/<int:pk>/versions/<path:path>",
        lookback.timetravel_download,
        name="review-version-download",
    ),
    path("compare/", lookback.compare, name="review-compare"),
    path("labels/", annotate.label_list, name="review-label-list"),
    path("labels/<int:label_id>/", annotate.label_edit, name="review-label-edit"),
    path("export/", exports.export_page, name="review-export"),
    path("export/trajectories.jsonl", exports.export_download, name="review-export-download"),
    path("export/manifest.json", exports.export_manifest, name="review-export-manifest"),
    path("computers/<int:pk>/archive", exports.computer_archive, name="review-archive"),
    path("computers/import", exports.computer_import, name="review-archive-import"),
    path("learn/", learn.skill_list, name="review-skill-list"),
    path("learn/distill", learn.skill_distill, name="review-skill-distill"),
    path("learn/skills.json", learn.skills_export, name="review-skills-export"),
    path("learn/<int:pk>/", learn.skill_detail, name="review-skill"),
    path("learn/<int:pk>.md", learn.skill_markdown, name="review-skill-markdown"),
    path("learn/<int:pk>.json", learn.skill_json, name="review-skill-json"),
    path("search/", search.search, name="review-search"),
    path("queues/", queues.queue_list, name="review-queue-list"),
    path("queues/new", queues.queue_create, name="review-queue-create"),
    path("queues/<int:pk>/", queues.queue_detail, name="review-queue"),
    path("queues/<int:pk>/next", queues.queue_next, name="review-queue-next"),
    path("queues/<int:pk>/items/<int:position>/", queues.queue_item, name="review-queue-item"),
    path(
        "queues/<int:pk>/annotations.<str:fmt>",
        queues.annotations_export,
        name="review-queue-annotations",
    ),
    path("annotations.<str:fmt>", queues.annotations_export, name="review-annotations-export"),
    path("bulk-labels/", queues.bulk_label, name="review-bulk-label"),
    path("bulk-labels/<int:pk>/undo", queues.bulk_label_undo, name="review-bulk-label-undo"),
]
