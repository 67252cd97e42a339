"""Celery tasks for matching: thin, ids in, a service call each; safe to run twice.

Celery autodiscovers this module (config/celery.py); beat runs `matching.recompute_due` every few
seconds and `matching.nightly_recompute` once a night (config/settings_features.py).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from matching.services import background

log = logging.getLogger(__name__)


@shared_task(name="matching.recompute_due", acks_late=True)
def recompute_due() -> int:
    """Recompute for the profiles whose debounce delay is over."""
    return background.matches_recompute_due(now=timezone.now())


@shared_task(name="matching.nightly_recompute", acks_late=True)
def nightly_recompute(key: str | None = None) -> int:
    """Split tonight's full recompute into chunks of companies and queue one task per chunk,
    which any worker may take. Started twice, it queues only the chunks not yet done."""
    now = timezone.now()
    key = key or f"nightly-{now:%Y-%m-%d}"
    _run, pending = background.match_run_start(key=key, now=now)
    transaction.on_commit(lambda: [recompute_chunk.delay(pk) for pk in pending])
    log.info("match run %s: %d chunk(s) queued", key, len(pending))
    return len(pending)


@shared_task(name="matching.recompute_chunk", acks_late=True)
def recompute_chunk(chunk_id: int) -> int:
    report = background.match_run_chunk(chunk_id=chunk_id, now=timezone.now())
    return report.suggestions if report else 0
