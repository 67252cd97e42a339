"""Celery tasks: thin wrappers that take ids or names and call a service.

State lives in the database, not the queue: jobs scan for what is due, so a task lost anywhere
is made good by the next run, and every action is claimed so a task delivered twice acts once.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from engagement.services import hooks, import_jobs, jobs, notifications, webhooks

log = logging.getLogger(__name__)


@shared_task(name="engagement.run_job", acks_late=True)
def run_job(name: str) -> list[str]:
    result = jobs.run_job(name, now=timezone.now())
    if result.actions:
        log.info("job %s: %d action(s)", name, len(result.actions))
    return result.actions


@shared_task(name="engagement.send_notification_email", bind=True, acks_late=True, max_retries=5)
def send_notification_email(self, notification_id: int) -> str:
    try:
        return notifications.notification_email_send(notification_id=notification_id)
    except notifications.TransientEmailError as exc:
        if self.request.retries >= self.max_retries:
            notifications.notification_email_give_up(
                notification_id=notification_id, error=str(exc)
            )
            return "failed"
        # 30 s, 60 s, 120 s, ... : the mail server gets time to come back.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(name="engagement.sweep_notifications", acks_late=True)
def sweep_notifications() -> int:
    return notifications.notifications_sweep()


@shared_task(name="engagement.deliver_webhook", acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at one webhook delivery. A failure is not retried by Celery: the delivery
    goes back to pending with its next attempt time, and webhooks_retry_due queues it then."""
    return webhooks.webhook_deliver(delivery_id)


@shared_task(name="engagement.webhooks_retry_due", acks_late=True)
def webhooks_retry_due() -> int:
    return len(webhooks.webhooks_retry_due())


@shared_task(name="engagement.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> str:
    """Run one bulk import (engagement.services.import_jobs); a second delivery does nothing.
    Returns the job's status, "not queued" or "superseded"."""
    return import_jobs.import_job_run(job_id=job_id)


@shared_task(name="engagement.import_jobs_resend_stale", acks_late=True)
def import_jobs_resend_stale() -> int:
    """Beat, every minute: queue again the imports whose worker died, or fail them after
    IMPORT_JOB_MAX_ATTEMPTS runs (engagement.services.import_jobs)."""
    return len(import_jobs.import_jobs_resend_stale(now=timezone.now()))


# The services queue these after their commit by name (engagement.services.hooks): they cannot
# import this module, which calls them.
for _task in (send_notification_email, deliver_webhook, run_import_job):
    hooks.task_register(_task.name, _task.delay)
