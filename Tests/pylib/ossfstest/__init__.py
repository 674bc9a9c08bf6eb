"""What every Python test suite of ossfs shares (Tests/sdk, Tests/e2e, Tests/reliability): where the binaries
are, oss-local processes, ossfs mounts that are always undone, credentials files, CRC-64, and the per-test
mount environment with its watchdog. Each suite's pytest.ini puts Tests/pylib on the import path."""
