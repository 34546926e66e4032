"""The worker's functions and crons, as `helpdesk worker` runs them."""

from __future__ import annotations

from arq import Worker

from app.workers.settings import WorkerSettings
from app.workers.timeouts import JOB_TIMEOUT_SECONDS


def test_a_killed_workers_jobs_are_held_for_at_most_the_job_timeout_and_ten_seconds() -> None:
    """arq keeps each job of a worker that died "in progress" for the largest timeout of any of
    the worker's functions + 10 s: one long-timeout job (a housekeeping run of 600 s) would make
    every notification of a killed worker wait ten minutes."""
    worker = Worker(
        functions=WorkerSettings.functions,
        cron_jobs=WorkerSettings.cron_jobs,
        job_timeout=WorkerSettings.job_timeout,
        handle_signals=False,
    )
    assert worker.in_progress_timeout_s == JOB_TIMEOUT_SECONDS + 10
