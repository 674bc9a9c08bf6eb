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
