from django.contrib import admin

from simulations.models import Deliverable, Message, Objective, Signal, Simulation, Turn


@admin.register(Simulation)
class SimulationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "computer",
        "state",
        "phase",
        "turn_count",
        "sim_now",
        "cost_usd",
        "created_at",
    )
    list_filter = ("state", "phase")
    readonly_fields = ("lease_owner", "lease_expires_at", "heartbeat_at", "attempts", "turn_count")
    search_fields = ("computer__display_name",)


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ("simulation", "seq", "actor", "action", "sim_time", "error")
    list_filter = ("actor",)
    search_fields = ("action",)
    raw_id_fields = ("simulation",)


for model in (Objective, Deliverable, Message, Signal):
    admin.site.register(model, raw_id_fields=("simulation",))
