from django.urls import path

from simulations.learning import views

urlpatterns: list = [
    path("", views.experiment_list_view, name="learning-experiments"),
    path("new/", views.experiment_new, name="learning-experiment-new"),
    path("<int:pk>/", views.experiment_detail, name="learning-experiment"),
    path("<int:pk>/results/", views.experiment_results_partial, name="learning-experiment-results"),
    path(
        "<int:pk>/results.csv",
        views.experiment_download,
        {"fmt": "csv"},
        name="learning-experiment-csv",
    ),
    path(
        "<int:pk>/results.json",
        views.experiment_download,
        {"fmt": "json"},
        name="learning-experiment-json",
    ),
    path("<int:pk>/start/", views.experiment_start_view, name="learning-experiment-start"),
    path(
        "<int:pk>/runs/<int:run_pk>/retry/",
        views.experiment_run_retry_view,
        name="learning-experiment-run-retry",
    ),
    path("skills/", views.skill_version_list, name="learning-skill-versions"),
    path("skills/<int:pk>/", views.skill_version_detail, name="learning-skill-version"),
]
