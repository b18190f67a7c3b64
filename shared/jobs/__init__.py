"""RQ jobs: functions that take ids, open their own session and declare their retries."""
