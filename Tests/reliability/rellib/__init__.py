"""Helpers of the reliability suite alone: a time-bounded file worker, the model of what the mount acknowledged,
bucket checks against it, a lying proxy and a TLS terminator (servers and mounts are in Tests/pylib/ossfstest)."""
