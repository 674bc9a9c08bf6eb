"""Helpers of the reliability suite: oss-local processes, ossfs mounts, a time-bounded file worker."""
