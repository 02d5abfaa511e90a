"""Websocket routes (served by studio.project.asgi behind the origin check and the session auth)."""

from django.urls import path

from simulations.live.consumers import SimulationLiveConsumer

websocket_urlpatterns = [
    path("ws/simulations/<int:simulation_id>/", SimulationLiveConsumer.as_asgi()),
]
