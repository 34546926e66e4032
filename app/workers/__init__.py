"""arq workers: notification, inbound mail and cron jobs."""
