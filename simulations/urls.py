from django.urls import path

from simulations import views
from simulations.live import views as live_views

urlpatterns: list = [
    path("", views.simulation_list, name="simulations-list"),
    path("new/", views.simulation_new, name="simulations-new"),
    path("new/estimate/", views.simulation_estimate, name="simulations-estimate"),
    path("<int:pk>/", views.simulation_detail, name="simulations-detail"),
    path("<int:pk>/pause/", views.simulation_pause_view, name="simulations-pause"),
    path("<int:pk>/resume/", views.simulation_resume_view, name="simulations-resume"),
    path("<int:pk>/cancel/", views.simulation_cancel_view, name="simulations-cancel"),
    path(
        "<int:pk>/delete-workspace/",
        views.simulation_delete_workspace_view,
        name="simulations-delete-workspace",
    ),
]

# The live page and the JSON it reads (simulations/live_views.py).
urlpatterns += [
    path("<int:pk>/live/", live_views.simulation_live, name="simulations-live"),
    path("<int:pk>/live/turns/", live_views.simulation_live_turns, name="simulations-live-turns"),
    path(
        "<int:pk>/live/turns/<int:seq>/",
        live_views.simulation_live_turn,
        name="simulations-live-turn",
    ),
    path("<int:pk>/live/files/", live_views.simulation_live_files, name="simulations-live-files"),
    path(
        "<int:pk>/live/changes/<int:change_id>/",
        live_views.simulation_live_change,
        name="simulations-live-change",
    ),
    path(
        "<int:pk>/live/messages/",
        live_views.simulation_live_messages,
        name="simulations-live-messages",
    ),
]
