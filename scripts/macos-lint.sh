#!/bin/sh
# Type-checks and lints every line compiled for macOS, on Linux: clippy
# with -D warnings for aarch64-apple-darwin and x86_64-apple-darwin, all
# targets (tests included). Zig (PyPI ziglang, driven by PyPI
# cargo-zigbuild, both in .venv from tests/requirements.txt) is the C
# compiler for the -sys crates: it carries macOS's libc headers, so aws-lc's
# C code compiles. Nothing is linked or run: a macOS binary links against
# Apple's Security and CoreFoundation frameworks, which come only with
# Apple's SDK (README, Platforms). Extra arguments go to `cargo clippy`.
set -eu
cd "$(dirname "$0")/.."

venv="${BEDROCK_TOKEN_TEST_VENV:-$(pwd)/.venv}"
if [ ! -x "$venv/bin/cargo-zigbuild" ]; then
    echo "macos-lint: cargo-zigbuild is missing from $venv: run scripts/test-deps.sh" >&2
    exit 1
fi
# cargo-zigbuild runs zig as `python3 -m ziglang` when no `zig` is on PATH:
# the venv's python3 has it.
PATH="$venv/bin:$PATH"
export PATH

for target in aarch64-apple-darwin x86_64-apple-darwin; do
    cargo-zigbuild clippy --locked --target "$target" --all-targets "$@" -- -D warnings
done
