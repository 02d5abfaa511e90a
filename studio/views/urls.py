"""The studio's pages. Every computer, folder and file has a stable address:
/computers/<id>/, /computers/<id>/tree/<folder>, /computers/<id>/files/<path>."""

from django.urls import path

from studio.views import calls, computers, files, pools

urlpatterns = [
    path("calls/<int:pk>/", calls.llm_call_detail, name="studio-llm-call"),
    path("pools/", pools.pool_list, name="studio-pool-list"),
    path("pools/import", pools.pool_import, name="studio-pool-import"),
    path("pools/<int:pk>/", pools.pool_detail, name="studio-pool-detail"),
    path("computers/", computers.computer_list, name="studio-computer-list"),
    path("computers/jobs", computers.computer_jobs, name="studio-computer-jobs"),
    path("computers/generate", computers.computer_generate, name="studio-computer-generate"),
    path("computers/batch", computers.computer_batch, name="studio-computer-batch"),
    path("computers/<int:pk>/", computers.computer_detail, name="studio-computer-detail"),
    path("computers/<int:pk>/status", computers.computer_status, name="studio-computer-status"),
    path("computers/<int:pk>/retry", computers.computer_retry, name="studio-computer-retry"),
    path("computers/<int:pk>/search", computers.computer_search, name="studio-computer-search"),
    path(
        "computers/<int:pk>/tree/<path:folder>",
        computers.computer_tree,
        name="studio-computer-tree",
    ),
    path("computers/<int:pk>/children/", computers.computer_tree_children, name="studio-tree-root"),
    path(
        "computers/<int:pk>/children/<path:folder>",
        computers.computer_tree_children,
        name="studio-tree-children",
    ),
    path("computers/<int:pk>/files/<path:path>", files.file_detail, name="studio-file-detail"),
    path(
        "computers/<int:pk>/preview/<path:path>",
        files.file_preview_part,
        name="studio-file-preview",
    ),
    path(
        "computers/<int:pk>/download/<path:path>", files.file_download, name="studio-file-download"
    ),
    path(
        "computers/<int:pk>/volumes/<slug:volume>/files/<path:path>",
        files.volume_file_detail,
        name="studio-volume-file-detail",
    ),
    path(
        "computers/<int:pk>/volumes/<slug:volume>/preview/<path:path>",
        files.volume_file_preview_part,
        name="studio-volume-file-preview",
    ),
    path(
        "computers/<int:pk>/volumes/<slug:volume>/download/<path:path>",
        files.volume_file_download,
        name="studio-volume-file-download",
    ),
    path(
        "computers/<int:pk>/collaborators/<slug:owner>/files/<path:path>",
        files.collaborator_file_detail,
        name="studio-private-file-detail",
    ),
    path(
        "computers/<int:pk>/collaborators/<slug:owner>/preview/<path:path>",
        files.collaborator_file_preview_part,
        name="studio-private-file-preview",
    ),
    path(
        "computers/<int:pk>/collaborators/<slug:owner>/download/<path:path>",
        files.collaborator_file_download,
        name="studio-private-file-download",
    ),
]
