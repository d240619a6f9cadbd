# Thin wrapper over the scripts (the scripts are what CI and the README use).
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all install test matrix bench fuzz clean
all:
	scripts/build-static.sh
install:
	scripts/install.sh --prefix $(PREFIX) $(if $(DESTDIR),--destdir $(DESTDIR))
test:
	bash scripts/test.sh
matrix:
	scripts/matrix/run.sh --iter $$(scripts/build-static.sh) --fixtures Tests/Fixtures
clean:
	rm -rf .build .build-static .build-embedded
