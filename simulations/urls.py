from django.urls import path

from simulations import views, views_live

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

# The live page and the JSON it reads (simulations/views_live.py).
urlpatterns += [
    path("<int:pk>/live/", views_live.simulation_live, name="simulations-live"),
    path("<int:pk>/live/turns/", views_live.simulation_live_turns, name="simulations-live-turns"),
    path(
        "<int:pk>/live/turns/<int:seq>/",
        views_live.simulation_live_turn,
        name="simulations-live-turn",
    ),
    path("<int:pk>/live/files/", views_live.simulation_live_files, name="simulations-live-files"),
    path(
        "<int:pk>/live/changes/<int:change_id>/",
        views_live.simulation_live_change,
        name="simulations-live-change",
    ),
    path(
        "<int:pk>/live/messages/",
        views_live.simulation_live_messages,
        name="simulations-live-messages",
    ),
]
