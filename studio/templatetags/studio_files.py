"""Addresses of a computer's files: the user's own, on other volumes and collaborators'."""

from django import template
from django.urls import reverse

from studio.models import ComputerFile
from studio.paths import slugify_name
from studio.volumes import volume_slug, volumes_of

register = template.Library()


def _url(file: ComputerFile, action: str) -> str:
    if file.scope == ComputerFile.Scope.COLLABORATOR:
        return reverse(
            f"studio-private-file-{action}",
            args=[file.computer_id, slugify_name(file.owner), file.path],
        )
    if file.scope == ComputerFile.Scope.VOLUME:
        return reverse(
            f"studio-volume-file-{action}",
            args=[file.computer_id, volume_slug(file.owner), file.path],
        )
    return reverse(f"studio-file-{action}", args=[file.computer_id, file.path])


@register.simple_tag
def logical_path(file: ComputerFile) -> str:
    """The full path the user would see for a file on a volume ("D:\\Archive\\a.xlsx")."""
    volume = next((v for v in volumes_of(file.computer) if v.name == file.owner), None)
    return volume.logical(file.path) if volume else file.path


@register.simple_tag
def file_url(file: ComputerFile) -> str:
    return _url(file, "detail")


@register.simple_tag
def download_url(file: ComputerFile) -> str:
    return _url(file, "download")


@register.simple_tag
def preview_url(file: ComputerFile) -> str:
    return _url(file, "preview")
