# Quorum Lab: `make run` serves the app, `make test` runs every test. Both install what is
# missing first (scripts/setup.sh), so they work on a bare machine.
SHELL := /bin/bash
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)
# Trunk's wasm-bindgen is scripts/bin/wasm-bindgen: it splits the module at its split points
# (src/lazy.rs) before running the real one, found after it on the PATH.
#
# The browser build compiles Rust's standard library with the app (README, "Download"), which
# takes 25 KiB gzip off the start download: `-Cpanic=immediate-abort` leaves out every panic's
# message and the formatting behind it (a panic in the page stops it as before, as a
# `RuntimeError: unreachable` without a message, and `-Zlocation-detail=none` drops the source
# locations only those messages used), and std's `optimize_for_size` picks its smaller
# algorithms. These options are unstable: RUSTC_BOOTSTRAP=1 lets the stable toolchain take them,
# for this build only, in a target folder of its own (RUSTC_BOOTSTRAP also reaches build scripts,
# such as proc-macro2's, which would otherwise rebuild the native release build's macros after
# each other); scripts/setup.sh adds the library's source (rust-src) and fetches its crates.
# `make run PANIC_MESSAGES=1` (or `make dist PANIC_MESSAGES=1`) builds with the prebuilt library,
# whose panics say what and where, for finding a bug (the download is then over its budget).
ifneq ($(PANIC_MESSAGES),1)
WASM_STD := CARGO_TARGET_DIR="$(CURDIR)/target/web" RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD="std,panic_abort" \
  CARGO_UNSTABLE_BUILD_STD_FEATURES="optimize_for_size" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
endif
TRUNK := $(WASM_STD) PATH="$(CURDIR)/scripts/bin:$$PATH" trunk
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test setup setup-test build dist engine-test browser-test lint bench explore mutants clean

run: setup
	@echo "Quorum Lab: serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(TRUNK) serve --release --offline --address $(HOST) --port $(PORT)

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

dist: setup
	$(TRUNK) build --release --offline

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p quorumlab --target wasm32-unknown-unknown -- -D warnings

engine-test:
	cargo test --workspace

browser-test:
	cargo build -q -p qlab
	cd tests/browser && npm test

test: setup-test lint engine-test dist browser-test

# `RAFTSCOPE=/path/to/raftscope make bench` also measures a local copy of RaftScope in the same
# run and prints the ratios (README, Performance).
bench: setup-test dist
	cargo bench -p quorumlab-sim
	# Scale (issue 21): one run of each mode at 1,000,000 and 2,000,000 partitions, and the full
	# scale sweep to 2,000,000: wall time and peak memory, each in a process of its own.
	cargo test -p quorumlab-sim --release --test scale_perf -- --ignored --nocapture two_million_partitions full_scale_sweep
	cd tests/browser && node bench.mjs

# Every schedule of a small cluster's election, up to a bound, on the real engines (README,
# "Exploring every schedule"). Not part of `make test`: minutes, not seconds. Optimised for
# speed in a target dir of its own (the release profile is tuned for the wasm download: size,
# abort on panic). `make explore EXPLORE_ARGS="kraft-crash --deliveries=20"` runs one plan.
explore:
	CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_PANIC=unwind \
	  cargo run --release --target-dir target/explore -p quorumlab-sim --features trace --example explore -- $(EXPLORE_ARGS)

# Mutation testing of the protocol rules (README, "Mutation testing"; .cargo/mutants.toml says
# which files and which tests). Not part of `make test`: about two hours on two cores. One file:
# `make mutants MUTANTS_ARGS="-F kraft/controller/election"`; report in mutants.out/.
mutants:
	@scripts/setup.sh mutants
	cargo mutants -p quorumlab-sim -j 1 $(MUTANTS_ARGS)

clean:
	rm -rf dist out target
