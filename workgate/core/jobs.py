"""Long jobs: a Job row the page polls, and a task on the worker that reports progress into it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language, override

from workgate.core.access import Actor
from workgate.core.models import Job

logger = logging.getLogger(__name__)

# Job kind → dotted path of `fn(job: Job, report: Callable[[int, int, str], None]) -> dict`.
# Apps add theirs with `register_job_runner` in their AppConfig.ready().
JOB_RUNNERS: dict[str, str] = {
    "audit_export": "workgate.core.services.audit_export_run",
}


def register_job_runner(kind: str, dotted_path: str) -> None:
    JOB_RUNNERS[kind] = dotted_path


def job_start(*, actor: Actor, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Create the job and queue it for the worker once the surrounding transaction commits."""
    if kind not in JOB_RUNNERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        community_id=actor.community_id,
        enterprise_id=actor.enterprise_id,
        started_by=actor.user,
        params={**(params or {}), "role": str(actor.role), "language": get_language()},
    )
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


class _Reporter:
    """Writes progress at most every 1 % (and always at the end) to keep the worker fast."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last = -1

    def __call__(self, done: int, total: int, message: str = "") -> None:
        step = max(1, total // 100)
        if done < total and done - self._last < step and self._last >= 0:
            return
        self._last = done
        Job.objects.filter(pk=self.job.pk).update(done=done, total=total, message=message[:300])


@task()
def run_job(job_id: str) -> None:
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    runner: Callable[[Job, _Reporter], dict[str, Any]] = import_string(JOB_RUNNERS[job.kind])
    try:
        with override(job.params.get("language")):
            result = runner(job, _Reporter(job))
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, message=str(exc)[:300], finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        result=result,
        result_file=result.get("file", ""),
        finished_at=timezone.now(),
    )
