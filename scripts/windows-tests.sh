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

wine=""
for w in wine64 /usr/lib/wine/wine64 wine; do
    if command -v "$w" >/dev/null 2>&1; then wine="$(command -v "$w")"; break; fi
done
if [ -z "$wine" ]; then
    echo "windows-tests: wine64 is missing: run scripts/test-deps.sh" >&2
    exit 1
fi
wineserver=wineserver
for s in "$(dirname "$wine")/wineserver" "$(dirname "$wine")/wineserver64"; do
    if [ -x "$s" ]; then wineserver="$s"; break; fi
done

# A prefix of our own, beside the build, so no other wine setup is touched.
mkdir -p "$target_dir"
WINEPREFIX="$(cd "$target_dir" && pwd)/wine-prefix"
WINEDEBUG=-all
WINEDLLOVERRIDES="mscoree,mshtml="
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine"
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER

# wine 8 has no bcryptprimitives.dll!ProcessPrng, which Rust's std calls at
# start-up; a stub beside the test binaries and bedrock-token.exe (the
# program's own directory is searched first) fills the gap. Newer wine has it.
has_processprng() {
    for dll in /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll \
        /usr/lib/wine/x86_64-windows/bcryptprimitives.dll \
        /opt/wine*/lib/wine/x86_64-windows/bcryptprimitives.dll \
        /opt/wine*/lib64/wine/x86_64-windows/bcryptprimitives.dll; do
        [ -f "$dll" ] && grep -q ProcessPrng "$dll" && return 0
    done
    return 1
}
if ! has_processprng; then
    for dir in "$target_dir/$target/debug" "$target_dir/$target/debug/deps"; do
        mkdir -p "$dir"
        x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" \
            scripts/windows/processprng.c -ladvapi32
    done
fi

# A stand-in `aws.exe` for the `--login` tests (Rust's Command finds only
# .exe files on PATH, so a .cmd script cannot play the AWS CLI).
mkdir -p "$target_dir/$target/debug/fake-aws"
x86_64-w64-mingw32-gcc -O2 -o "$target_dir/$target/debug/fake-aws/aws.exe" \
    scripts/windows/fake-aws.c
# Ctrl-C for the tests of exec and write --watch (scripts/windows/console.c).
x86_64-w64-mingw32-gcc -O2 -o "$target_dir/$target/debug/console.exe" \
    scripts/windows/console.c

# The prefix is created once, before the tests race to do it; then one
# wineserver serves the whole run (starting one per test binary costs
# seconds).
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    "$wine" wineboot --init >/dev/null 2>&1 || true
    "$wineserver" -w || true
fi
"$wineserver" -p 2>/dev/null || true  # already running: fine
trap '"$wineserver" -k 2>/dev/null || true' EXIT

cargo clippy --locked --target "$target" --all-targets -- -D warnings
cargo test --locked --target "$target" "$@"
