#!/bin/sh
# The full test suite, as CI runs it: installs what the tests need, checks
# formatting, lints and scripts, runs every test against the real peers,
# runs the README's quick start, then the other platforms: the Windows
# build's tests under wine, the aarch64 Linux build's tests under qemu-user,
# the macOS lint, the release binaries (each run on its platform), and a
# reproducibility check of one of them. Each step prints how long it took
# (docs/benchmarks.md keeps the figures). One target directory serves all
# steps, and each release target is built once: install.sh's build is the
# x86_64 release binary.
set -eu
cd "$(dirname "$0")/.."

step() {
    step_name="$1"
    shift
    step_start=$(date +%s)
    "$@"
    echo "test.sh: step '$step_name' took $(($(date +%s) - step_start)) s" >&2
}

step test-deps sh scripts/test-deps.sh

# Tests that need an outside tool fail, rather than skip, when it is missing.
BEDROCK_TOKEN_TEST_REQUIRE_TOOLS=1
BEDROCK_TOKEN_TEST_VENV="$(pwd)/.venv"
export BEDROCK_TOKEN_TEST_REQUIRE_TOOLS BEDROCK_TOKEN_TEST_VENV

step fmt cargo fmt --all -- --check
step shellcheck shellcheck install.sh scripts/*.sh bench/*.sh fuzz/*.sh
# The imports of src/ run one way: no cycle, no command importing another.
step imports python3 scripts/imports.py
step quickstart sh scripts/quickstart.sh
# Clippy lints our crate while the tests build: `cargo clippy --all-targets
# -- -D warnings` then `cargo test`, in one pass over the dependencies
# (scripts/lint-build.sh says how).
step clippy+test sh scripts/lint-build.sh test --locked
step windows sh scripts/windows-tests.sh
step aarch64 sh scripts/aarch64-tests.sh
step macos-lint sh scripts/macos-lint.sh
# The x86_64 release binary is install.sh's (built once, above), checked by
# release.sh and rebuilt elsewhere for reproducibility. The aarch64 and
# Windows release builds (two more LTO builds, about 9 minutes each on 2
# cores) stay outside CI: their code is built and tested above under qemu
# and wine. `sh scripts/release.sh` builds and checks all three.
step release sh scripts/release.sh x86_64-unknown-linux-gnu
step reproducible sh scripts/reproducible.sh x86_64-unknown-linux-gnu
