from django.urls import path

from simulations import views

urlpatterns: list = [
    path("", views.simulation_list, name="simulations-list"),
    path("new/", views.simulation_new, name="simulations-new"),
    path("<int:pk>/", views.simulation_detail, name="simulations-detail"),
    path("<int:pk>/pause/", views.simulation_pause_view, name="simulations-pause"),
    path("<int:pk>/resume/", views.simulation_resume_view, name="simulations-resume"),
    path("<int:pk>/cancel/", views.simulation_cancel_view, name="simulations-cancel"),
]
