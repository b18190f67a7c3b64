"""A job that does nothing: RQ's own cost per job, the baseline the benchmarks divide by."""


def noop() -> None:
    return None
