# Thin wrapper over the scripts (the scripts are what CI and the README use).
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all install test matrix release bench fuzz clean
# The static binary of this machine's architecture (scripts/build-static.sh --arch aarch64 for arm64).
all:
	scripts/build-static.sh
install:
	scripts/install.sh --prefix $(PREFIX) $(if $(DESTDIR),--destdir $(DESTDIR))
test:
	bash scripts/test.sh
matrix:
	scripts/matrix/run.sh --iter $$(scripts/build-static.sh --arch x86_64) \
		--iter $$(scripts/build-static.sh --arch aarch64) --fixtures Tests/Fixtures
release:
	scripts/release.sh
clean:
	rm -rf .build .build-static* .build-embedded* .build-musl* dist
