# audience-db: `make up` builds and starts everything; `make test` runs the whole suite.
SHELL := /bin/bash
BIN := .build/debug/audiencectl

.PHONY: deps build up test lint bench report-check clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build

up: build
	$(BIN) db start
	$(BIN) migrate
	$(BIN) seed demo
	$(BIN) refresh
	$(BIN) verify
	@echo
	@$(BIN) status | tail -n 1
	@echo
	@echo "audience-db is up. psql \"$$($(BIN) db url)\""

test: build
	swift build --build-tests
	scripts/test.sh

lint: deps
	scripts/squawk.sh

bench: build
	$(BIN) bench migrate

# The demo reports in headless Chromium (installed when missing): PNGs and an A4 PDF in
# .build/report-check/, failing on console messages or network requests. Not part of `test`.
report-check: build
	scripts/report-check.sh

clean:
	-$(BIN) db stop
	rm -rf .build .audiencectl
