"""Settings of the product's own work, read from the environment like the rest of
config/settings.py, which takes them in: background jobs, webhooks, bulk import and partner
matching. Nothing here depends on another setting.
"""

from __future__ import annotations

import os

from celery.schedules import crontab as _crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_int, env_list, env_str

# --- Background jobs (each time configurable) -----------------------------------------------
REMINDER_LOCAL_HOUR = env_int("REMINDER_LOCAL_HOUR", 8, minimum=0)
OVERDUE_ESCALATION_DAYS = env_int("OVERDUE_ESCALATION_DAYS", 7, minimum=1)
MOU_EXPIRY_NOTICE_DAYS = sorted(
    {int(d) for d in env_list("MOU_EXPIRY_NOTICE_DAYS", "90,30,7")}, reverse=True
)
INCENTIVE_DEADLINE_NOTICE_DAYS = sorted(
    {int(d) for d in env_list("INCENTIVE_DEADLINE_NOTICE_DAYS", "60,14")}, reverse=True
)
PILOT_STALL_DAYS = env_int("PILOT_STALL_DAYS", 30, minimum=1)
PARTNERSHIP_STALE_DAYS = env_int("PARTNERSHIP_STALE_DAYS", 60, minimum=1)
DIGEST_WEEKDAY = env_int("DIGEST_WEEKDAY", 0, minimum=0)  # 0 = Monday, in the user's time zone
JOBS_INTERVAL_MINUTES = env_int("JOBS_INTERVAL_MINUTES", 15, minimum=1)
# A test and operations knob, 0 in production: seconds the overdue follow-up job pauses after each
# follow-up it reminds, to spread a large batch of emails out or to make a run long enough for a
# test to kill the worker in its middle (tests/test_worker_kill.py).
try:
    JOB_THROTTLE_SECONDS = float(env_str("JOB_THROTTLE_SECONDS") or 0)
except ValueError:
    raise ImproperlyConfigured(
        f"JOB_THROTTLE_SECONDS={os.environ['JOB_THROTTLE_SECONDS']!r} is not a number of seconds."
    ) from None
if JOB_THROTTLE_SECONDS < 0:
    raise ImproperlyConfigured(f"JOB_THROTTLE_SECONDS={JOB_THROTTLE_SECONDS} is below 0.")

# Stored answers to Idempotency-Key requests are replayed for this long, then forgotten.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24, minimum=1)

# Periodic tasks. The background jobs (engagement/services/jobs/) are declared where they are
# written and added to this schedule when the app is ready (engagement/apps.py), each every
# JOBS_INTERVAL_MINUTES unless it says otherwise.
CELERY_BEAT_SCHEDULE = {
    "sweep-notifications": {"task": "engagement.sweep_notifications", "schedule": 120.0},
}

# --- Webhooks (engagement/services/webhooks/) ------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
# Retries are rows with a due time, not countdown tasks: this scan queues the ones that are due.
CELERY_BEAT_SCHEDULE["webhooks-retry-due"] = {
    "task": "engagement.webhooks_retry_due",
    "schedule": 60.0,
}

# --- Bulk import (engagement/services/imports/, import_jobs.py) ---------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=1)
# A running import beats a heartbeat into that cache as it goes (every few hundred rows). One
# silent for this long is taken for dead (its worker was killed) and queued again from the
# start, up to IMPORT_JOB_MAX_ATTEMPTS runs; then it is failed. The scan runs every minute.
IMPORT_JOB_STALE_SECONDS = env_int("IMPORT_JOB_STALE_SECONDS", 300, minimum=60)
IMPORT_JOB_MAX_ATTEMPTS = env_int("IMPORT_JOB_MAX_ATTEMPTS", 3, minimum=1)
CELERY_BEAT_SCHEDULE["import-jobs-resend-stale"] = {
    "task": "engagement.import_jobs_resend_stale",
    "schedule": 60.0,
}

# --- Partner matching (matching/) ------------------------------------------------------------
MATCH_TOP_ORGANIZATIONS = env_int("MATCH_TOP_ORGANIZATIONS", 20, minimum=1)
MATCH_TOP_INITIATIVES = env_int("MATCH_TOP_INITIATIVES", 5, minimum=0)
MATCH_TOP_PROJECTS = env_int("MATCH_TOP_PROJECTS", 5, minimum=0)
MATCH_TOP_INCENTIVES = env_int("MATCH_TOP_INCENTIVES", 5, minimum=0)
try:
    MATCH_MIN_SCORE = float(env_str("MATCH_MIN_SCORE") or 0.05)
except ValueError:
    raise ImproperlyConfigured(
        f"MATCH_MIN_SCORE={os.environ['MATCH_MIN_SCORE']!r} is not a number."
    ) from None
if not 0 <= MATCH_MIN_SCORE <= 1:
    raise ImproperlyConfigured(f"MATCH_MIN_SCORE={MATCH_MIN_SCORE} is not between 0 and 1.")
MATCH_REJECTION_COOLDOWN_DAYS = env_int("MATCH_REJECTION_COOLDOWN_DAYS", 180, minimum=0)
# Edits to a profile within this many seconds of the first cost one recompute.
MATCH_RECOMPUTE_DELAY_SECONDS = env_int("MATCH_RECOMPUTE_DELAY_SECONDS", 60, minimum=0)
MATCH_NIGHTLY_HOUR_UTC = env_int("MATCH_NIGHTLY_HOUR_UTC", 17, minimum=0)  # 02:00 in Tokyo
# NumPy's BLAS threads per process (read when numpy is first imported, after these settings).
# One by default: workers share a full recompute as processes, and on a busy machine spinning
# BLAS threads were measured 5-30x slower on the engine's matrix products.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(env_int("MATCH_BLAS_THREADS", 1, minimum=1)))
CELERY_BEAT_SCHEDULE["matching-recompute-due"] = {
    "task": "matching.recompute_due",
    "schedule": 10.0,
}
CELERY_BEAT_SCHEDULE["matching-nightly"] = {
    "task": "matching.nightly_recompute",
    "schedule": _crontab(hour=MATCH_NIGHTLY_HOUR_UTC, minute=0),
}
