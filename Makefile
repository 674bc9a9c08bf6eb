# Entry points. `make test` is what CI runs (.ci/run): installs missing dependencies, builds one debug
# configuration, runs the Swift tests and the SDK suite. See scripts/test.sh.
.PHONY: test sdk-test

test:
	scripts/test.sh

# Only the SDK suite (incremental build first), e.g. `make sdk-test PYTEST_ARGS="-k append"`.
sdk-test:
	SKIP_SWIFT_TESTS=1 PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test.sh
