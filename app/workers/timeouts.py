"""Job timeouts, sized to the jobs rather than arq's 300 s default.

arq keeps a job "in progress" for its timeout + 10 s: a worker killed mid-job holds the job
that long, so the largest timeout of any job bounds how soon another worker runs it again.
"""

from app.mail.outbound.records import LEASE

JOB_TIMEOUT_SECONDS = 40
"""Every job and cron: a notification is at most 8 parallel sends of 30 s SMTP timeouts; the
sweeps work in batches and leave the rest for their next run."""

assert LEASE.total_seconds() > JOB_TIMEOUT_SECONDS, "a send outliving its lease could go twice"
