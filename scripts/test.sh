#!/bin/sh
# The full test suite, as CI runs it: installs what the tests need, checks
# formatting, lints and scripts, runs every test against the real peers,
# runs the README's quick start, then cross-builds for Windows and runs its
# tests under wine.
set -eu
cd "$(dirname "$0")/.."

sh scripts/test-deps.sh

# Tests that need an outside tool fail, rather than skip, when it is missing.
BEDROCK_TOKEN_TEST_REQUIRE_TOOLS=1
BEDROCK_TOKEN_TEST_VENV="$(pwd)/.venv"
export BEDROCK_TOKEN_TEST_REQUIRE_TOOLS BEDROCK_TOKEN_TEST_VENV

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
shellcheck install.sh scripts/*.sh bench/*.sh fuzz/*.sh
# The imports of src/ run one way: no cycle, no command importing another.
python3 scripts/imports.py
sh scripts/quickstart.sh
cargo test --locked
sh scripts/windows-tests.sh
