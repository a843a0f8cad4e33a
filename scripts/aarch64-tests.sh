#!/bin/sh
# The Linux-on-ARM build and its tests, run under qemu-user (the cross-rs
# recipe, as scripts/windows-tests.sh runs the Windows build under wine):
# cross-compiles for aarch64-unknown-linux-gnu with Debian's cross gcc
# (.cargo/config.toml names the linker), statically as install.sh links, and
# runs each test binary through qemu-aarch64-static, the target runner.
# The binaries a test starts (bedrock-token itself, also from sh, direnv or
# the AWS CLI) are aarch64 programs started by x86_64 ones: the kernel hands
# them to qemu through binfmt_misc, which this script registers when it is
# not yet (root only; Debian's own qemu-aarch64 entry). Needs
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user-static and the
# Rust target, which scripts/test-deps.sh installs.
#
# usage: sh scripts/aarch64-tests.sh [cargo test arguments]
# (default: the suites listed below, which are the ones that exercise the
# binary itself; see README, Platforms).
set -eu
cd "$(dirname "$0")/.."

target=aarch64-unknown-linux-gnu
qemu="qemu-aarch64-static"
if ! command -v "$qemu" >/dev/null 2>&1 || ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
    echo "aarch64-tests: $qemu or aarch64-linux-gnu-gcc is missing: run scripts/test-deps.sh" >&2
    exit 1
fi

binfmt=/proc/sys/fs/binfmt_misc
if ! grep -qs '^enabled' "$binfmt/qemu-aarch64"; then
    if [ "$(id -u)" != 0 ]; then
        echo "aarch64-tests: aarch64 programs are not run by qemu here (no binfmt_misc entry qemu-aarch64);" \
            "as root, run this script once, or: update-binfmts --enable qemu-aarch64" >&2
        exit 1
    fi
    [ -f "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
    # Debian's entry (qemu-user-static): the F flag opens the interpreter
    # now, so it also works in other mount namespaces.
    cat /usr/lib/binfmt.d/qemu-aarch64.conf > "$binfmt/register"
    echo "aarch64-tests: registered qemu-aarch64 with binfmt_misc" >&2
fi

# Static, as install.sh and the release build link: the same start-up code,
# and no aarch64 dynamic loader or libraries needed to run.
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static"
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$qemu"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER

if [ $# -eq 0 ]; then
    # Two trust tests cannot hold under emulation: with the test's stdin
    # closed, qemu-user's own open of the program takes fd 0 (so stdin reads
    # the ELF file, which real aarch64 never does), and the login waiter's
    # timings assume native process start-up. Both run natively.
    set -- --lib --test core --test cache --test trust --test leaks -- \
        --skip closed_standard_descriptors_never_reach_our_files \
        --skip login_waiters_wait_for_the_login_not_the_lock_timeout
fi
# No clippy run of its own: our code has no cfg on the architecture, so
# the x86_64 lint sees every line compiled here, and a check build of all
# dependencies for aarch64 would cost a minute or two of CI for nothing.
cargo test --locked --target "$target" "$@"
