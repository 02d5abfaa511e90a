"""Addresses of a computer's files, the user's own and collaborators' alike."""

from django import template
from django.urls import reverse

from studio.models import ComputerFile
from studio.paths import slugify_name

register = template.Library()


def _url(file: ComputerFile, action: str) -> str:
    if file.scope == ComputerFile.Scope.COLLABORATOR:
        return reverse(
            f"studio-private-file-{action}",
            args=[file.computer_id, slugify_name(file.owner), file.path],
        )
    return reverse(f"studio-file-{action}", args=[file.computer_id, file.path])


@register.simple_tag
def file_url(file: ComputerFile) -> str:
    return _url(file, "detail")


@register.simple_tag
def download_url(file: ComputerFile) -> str:
    return _url(file, "download")


@register.simple_tag
def preview_url(file: ComputerFile) -> str:
    return _url(file, "preview")
