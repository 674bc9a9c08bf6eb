# Entry points. `make test` is what CI runs (.ci/run): installs missing dependencies, builds one debug
# configuration, runs the Swift tests and the SDK suite. See scripts/test.sh.
.PHONY: test sdk-test

test:
	scripts/test.sh

# Only the SDK suite (incremental build first), e.g. `make sdk-test PYTEST_ARGS="-k append"`.
sdk-test:
	SKIP_SWIFT_TESTS=1 PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test.sh

# Benchmark (issue 5): ossfs against the raw limit of oss-local, s3fs and rclone, in one run on this machine.
# `make bench` builds release binaries and takes a while; `make bench-smoke` runs every workload at tiny sizes
# with a debug build. Extra options: BENCH_ARGS="--only seq_read_1,ls --reps 2". Needs root.
.PHONY: bench bench-smoke bench-deps

bench: bench-deps
	bench/run.py $(BENCH_ARGS)

bench-smoke: bench-deps
	bench/run.py --smoke $(BENCH_ARGS)

# Tools the harness drives; s3fs and rclone are measured when present (n/a otherwise). The chart needs
# matplotlib in bench/.venv; without it the run still prints the table and writes the JSON.
bench-deps:
	@missing=""; for t in curl wrk fio s3fs rclone; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	  if [ -n "$$missing" ]; then apt-get install -y $$missing || echo "bench: could not install$$missing"; fi
	@[ -x bench/.venv/bin/python ] || { python3 -m venv bench/.venv && bench/.venv/bin/pip install -q matplotlib; } \
	  || echo "bench: no matplotlib venv; the chart will be skipped"
