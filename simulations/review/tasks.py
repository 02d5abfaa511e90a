"""Celery tasks of the review app: thin wrappers around its services."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def build_skill_document(occupation: str, user_id: int | None = None) -> None:
    from django.contrib.auth import get_user_model

    from simulations.review.skills import skill_document_build

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    skill_document_build(occupation=occupation, requested_by=user)
