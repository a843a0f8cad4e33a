#!/bin/sh
# Runs `cargo ARGS...` with clippy linting the workspace's own crates as
# they build, every warning an error: what `cargo clippy --all-targets -- -D
# warnings` checks, in the same pass as the build (clippy-driver is rustc
# with clippy's lints). `cargo clippy` checks only, so a clippy run then a
# test build compile every dependency twice; here they compile once, as for
# a plain `cargo test` (the wrapper is for workspace crates only, so their
# artifacts are shared with it). CLIPPY_ARGS is how cargo-clippy hands its
# arguments to clippy-driver (each one followed by __CLIPPY_HACKERY__).
#
#   sh scripts/lint-build.sh test --locked [--target T] [...]
set -eu
cd "$(dirname "$0")/.."
driver="$(rustc --print sysroot)/bin/clippy-driver"
if [ ! -x "$driver" ]; then
    echo "lint-build: clippy is not installed: rustup component add clippy" >&2
    exit 1
fi
RUSTC_WORKSPACE_WRAPPER="$driver"
CLIPPY_ARGS="-Dwarnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
exec cargo "$@"
