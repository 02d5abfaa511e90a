from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from studio.views import home

urlpatterns = [
    path("", home.home, name="studio-home"),
    path("llm-check/", home.home_llm_check, name="studio-llm-check"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("studio.views.urls")),
    path("simulations/", include("simulations.urls")),
    path("review/", include("simulations.review.urls")),
    path("experiments/", include("simulations.learning.urls")),
]
