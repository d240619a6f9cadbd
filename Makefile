# Thin wrapper over the scripts (the scripts are what CI and the README use).
PREFIX ?= /usr/local
DESTDIR ?=
# SECONDS per fuzz target (make fuzz FUZZ_SECONDS=600).
FUZZ_SECONDS ?= 60

.PHONY: all check lint install test matrix release bench fuzz clean
# The static binary of this machine's architecture (scripts/build-static.sh --arch aarch64 for arm64).
all:
	scripts/build-static.sh
# Build and run every test suite (as root the end-to-end suites run too; as any other user they
# are skipped, each saying why).
check:
	swift build
	swift test
# swift format lint --strict over Sources and Tests (.swift-format); fails on any finding.
lint:
	scripts/lint.sh
install:
	scripts/install.sh --prefix $(PREFIX) $(if $(DESTDIR),--destdir $(DESTDIR))
# Everything CI runs (needs root on Debian).
test:
	bash scripts/test.sh
# The kernel matrix: x86-64 and arm64 guests.
matrix:
	scripts/matrix/run.sh --iter $$(scripts/build-static.sh --arch x86_64) \
		--iter $$(scripts/build-static.sh --arch aarch64) --fixtures Tests/Fixtures
# Four static binaries, SHA256SUMS and a Debian package per architecture, in dist/.
release:
	scripts/release.sh
bench:
	scripts/bench.sh
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)
# Every scratch directory: .build, and the .build-* and .build_* of the other builds
# (static, musl, embedded, fuzz, data, ...), and the release's dist/.
clean:
	rm -rf .build .build-* .build_* dist
