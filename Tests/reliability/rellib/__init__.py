"""Helpers of the reliability suite alone: a time-bounded file worker, the model of what the mount acknowledged,
bucket checks against it, a lying proxy and a TLS terminator. Servers and mounts are in Tests/pylib/ossfstest;
binaries, crc64, mount and server here only re-export them, so tests written against the old names still run."""
