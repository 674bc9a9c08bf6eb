# Entry points. `make test` is what CI runs (.ci/run): installs missing dependencies, builds one debug
# configuration, runs the Swift tests and every pytest suite (SDK, command line, end to end, reliability).
# See scripts/test.sh.
.PHONY: test sdk-test e2e-test

test:
	scripts/test.sh

# Only the SDK suite (incremental build first), e.g. `make sdk-test PYTEST_ARGS="-k append"`.
sdk-test:
	SKIP_SWIFT_TESTS=1 SKIP_CLI_TESTS=1 SKIP_E2E_TESTS=1 SKIP_RELIABILITY_TESTS=1 PYTEST_ARGS="$(PYTEST_ARGS)" \
		scripts/test.sh

# Only the end-to-end mounts, e.g. `make e2e-test PYTEST_ARGS="-k rename"`.
e2e-test:
	SKIP_SWIFT_TESTS=1 SKIP_SDK_TESTS=1 SKIP_CLI_TESTS=1 SKIP_RELIABILITY_TESTS=1 PYTEST_ARGS="$(PYTEST_ARGS)" \
		scripts/test.sh

# The README demo: build, start oss-local with a `demo` bucket, mount it at /tmp/ossfs-demo/mnt.
.PHONY: demo
demo:
	scripts/demo.sh

# Packages (packaging/README.md). The release programs are built once by packaging/build-release.sh
# (swift build -c release --static-swift-stdlib; a second call only checks they are up to date) and both
# packages are made from them. The version comes from Sources/OSSCore/Version.swift.
.PHONY: deb rpm packages dist packaging-test
DIST ?= dist
PYTHON ?= .venv/bin/python

deb:
	BIN=$$(packaging/build-release.sh) && packaging/debian/build-deb.sh "$$BIN" "$(DIST)"

rpm:
	BIN=$$(packaging/build-release.sh) && packaging/rpm/build-rpm.sh "$$BIN" "$(DIST)"

packages: deb rpm

# Sources for building the .rpm on an RPM distribution: rpmbuild -ba --define "_sourcedir $PWD/dist" packaging/rpm/ossfs.spec
dist:
	mkdir -p "$(DIST)"
	V=$$(packaging/version.sh) && git archive --prefix="ossfs-$$V/" -o "$(DIST)/ossfs-$$V.tar.gz" HEAD
	cp Sources/OSSCore/Version.swift "$(DIST)/"

# Installs the .deb on this machine, mounts oss-local through it and purges it again (root; minutes).
packaging-test:
	OSSFS_PACKAGING_TESTS=1 $(PYTHON) -m pytest Tests/packaging $(PYTEST_ARGS)

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
