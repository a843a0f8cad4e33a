#!/bin/sh
# The Windows build and its tests, run under wine (the cross-rs approach):
# cross-compiles for x86_64-pc-windows-gnu with mingw-w64 and runs each test
# binary through wine64, which in turn runs bedrock-token.exe. Needs
# gcc-mingw-w64-x86-64, wine64 and the Rust target, which
# scripts/test-deps.sh installs. Extra arguments go to `cargo test`.
set -eu
cd "$(dirname "$0")/.."

target=x86_64-pc-windows-gnu
target_dir="${CARGO_TARGET_DIR:-target}"

. ./scripts/wine-env.sh
wine_env "$target_dir"
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER
for dir in "$target_dir/$target/debug" "$target_dir/$target/debug/deps"; do
    wine_processprng "$dir"
done

# A stand-in `aws.exe` for the `--login` tests (Rust's Command finds only
# .exe files on PATH, so a .cmd script cannot play the AWS CLI).
mkdir -p "$target_dir/$target/debug/fake-aws"
x86_64-w64-mingw32-gcc -O2 -o "$target_dir/$target/debug/fake-aws/aws.exe" \
    scripts/windows/fake-aws.c
# Ctrl-C for the tests of exec and write --watch (scripts/windows/console.c).
x86_64-w64-mingw32-gcc -O2 -o "$target_dir/$target/debug/console.exe" \
    scripts/windows/console.c

wine_start
trap wine_stop EXIT

if [ $# -eq 0 ]; then
    # The unit tests and every suite not Unix-only as a whole: a file
    # marked #![cfg(unix)] (real shells, direnv, the AWS CLI, Python and
    # Node consumers) would build, link and start under wine to run nothing.
    set -- --lib
    for suite in tests/*.rs; do
        grep -q '^#!\[cfg(unix)\]' "$suite" || set -- "$@" --test "$(basename "$suite" .rs)"
    done
fi
# Linted by clippy as it builds (scripts/lint-build.sh): the Windows-only
# code is checked with the tests' one build of the dependencies.
sh scripts/lint-build.sh test --locked --target "$target" "$@"
