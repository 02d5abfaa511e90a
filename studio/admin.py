from django.contrib import admin

from studio.models import Computer, LLMCall, Persona, PersonaPool

admin.site.register(PersonaPool)
admin.site.register(Persona)
admin.site.register(Computer)
admin.site.register(LLMCall)
