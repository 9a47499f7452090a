#!/usr/bin/env bash
# Installs what Quorum Lab needs, skipping whatever is already present (idempotent).
#   scripts/setup.sh build   # Rust wasm target and library source, trunk, wasm-bindgen-cli, wasm-split-cli, wasm-opt
#   scripts/setup.sh test    # the above, plus Chromium, a Korean font, playwright-core
#   scripts/setup.sh mutants # cargo-mutants only (make mutants)
# Versions follow shared/TOOLCHAIN.md: trunk 0.21.14 (--locked), wasm-bindgen-cli equal to the
# wasm-bindgen in Cargo.lock, binaryen 132 from npm, Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
what="${1:-build}"

TRUNK_VERSION=0.21.14
WASM_SPLIT_VERSION=0.2.4
BINARYEN_VERSION=132.0.0
CARGO_MUTANTS_VERSION=27.1.0

say() { echo "setup: $*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ "$what" = mutants ]; then
  if ! cargo mutants --version 2>/dev/null | grep -q " $CARGO_MUTANTS_VERSION\$"; then
    say "installing cargo-mutants $CARGO_MUTANTS_VERSION (a few minutes)"
    cargo install cargo-mutants --version "$CARGO_MUTANTS_VERSION" --locked
  fi
  say "ready (mutants)"
  exit 0
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The browser build compiles the standard library itself (Makefile, WASM_STD): its source.
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  say "adding the rust-src component (the standard library's source)"
  rustup component add rust-src
fi
# Trunk builds offline (`cargo build --offline`): the standard library's own crates (which the
# project's lock file does not list) are fetched here, with the project's.
RUSTC_BOOTSTRAP=1 cargo fetch --quiet -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (a few minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $bindgen_version\$"; then
  say "installing wasm-bindgen-cli $bindgen_version (must equal Cargo.lock)"
  # --locked fails for this crate on these registries (shared/TOOLCHAIN.md); plain install works.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# Cuts the module at its split points before wasm-bindgen (scripts/bin/wasm-bindgen).
# (it has no --version: cargo's list of installs says which one is there)
if ! command -v wasm-split-cli >/dev/null 2>&1 \
  || ! cargo install --list | grep -q "^wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (a few minutes)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version 1[3-9][0-9]"; then
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  npm install -g "binaryen@$BINARYEN_VERSION" --no-audit --no-fund
fi

if [ "$what" = test ] || [ "$what" = bench ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # A Korean font, so screenshots of the Korean UI show text rather than boxes.
  fc-list 2>/dev/null | grep -qi nanum || missing+=(fonts-nanum)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    say "installing playwright-core"
    (cd tests/browser && npm ci --no-audit --no-fund)
  fi
fi
say "ready ($what)"
