"""Counts shown on several pages, each from its one selector."""

from django import template

from studio import selectors

register = template.Library()


@register.inclusion_tag("studio/_file_count.html")
def file_count(computer):
    return {"counts": selectors.computer_file_counts(computer=computer)}
