# shellcheck shell=sh
# Sourced (not run) by install.sh and scripts/release.sh, from the
# checkout's top directory: the compiler flags of a release build for one
# target, so that both build the same thing and cargo builds it once.
#
# build_flags TARGET sets RELEASE_RUSTFLAGS (encoded as cargo's
# CARGO_ENCODED_RUSTFLAGS) and RELEASE_CFLAGS:
# - Linux with glibc: a static binary (runs on any Linux of that
#   architecture: no dynamic loader, no shared libraries to map and relocate
#   at start, which halves the cost of a cache hit, docs/benchmarks.md); on
#   x86_64 not position-independent, so it does not relocate itself either
#   (halving the hit again); packed relative relocations where the
#   target's linker and glibc (2.36+) have them (a static PIE's start-up
#   then touches 380 KiB less of the binary; on x86_64 there are none left
#   to pack, and the flag changes nothing);
# - every target: reproducible, i.e. no path of this machine in the binary.
#   Panic messages and aws-lc's error strings name source files; their
#   prefixes (this checkout, cargo's home with the crates' sources, the
#   target directory, the toolchain) become fixed names, so two builds in
#   different directories or $HOMEs give the same bytes.
#
# The flags go to the target crates only (cargo is always given --target),
# which keeps proc-macros and build scripts dynamic.

glibc_minor() {
    ldd --version 2>/dev/null | sed -n '1s/.* 2\.\([0-9][0-9]*\).*/\1/p'
}

# The directories whose names must not reach the binary, each with the
# name it gets instead. A later prefix wins over an earlier one it lies in.
remap_pairs() {
    bf_cargo_home="${CARGO_HOME:-${HOME:-}/.cargo}"
    bf_rustup_home="${RUSTUP_HOME:-${HOME:-}/.rustup}"
    bf_target_dir="${CARGO_TARGET_DIR:-target}"
    case "$bf_target_dir" in
        /*) ;;
        *) bf_target_dir="$(pwd)/$bf_target_dir" ;;
    esac
    printf '%s\n' "$bf_rustup_home=/rustup" "$bf_cargo_home=/cargo" "$(pwd)=/bedrock-token" "$bf_target_dir=/target"
}

build_flags() {
    bf_target="$1"
    RELEASE_RUSTFLAGS=""
    RELEASE_CFLAGS=""
    case "$bf_target" in
        *-linux-gnu)
            RELEASE_RUSTFLAGS="-C target-feature=+crt-static"
            # x86_64: a static executable at a fixed address, not a static
            # PIE. A static PIE relocates itself at every start: about
            # 18,700 pointers in vtables and tables of every crate linked
            # in, 190 thousand instructions and 60 copy-on-write page
            # faults, half of a cache hit, for code the hit never runs.
            # The price is ASLR for the binary's own image (the stack,
            # heap and mappings stay randomized); SECURITY.md weighs it.
            # Other targets keep the static PIE until measured there.
            case "$bf_target" in
                x86_64-*) RELEASE_RUSTFLAGS="$RELEASE_RUSTFLAGS -C relocation-model=static" ;;
            esac
            if [ "$bf_target" = "$(rustc -vV | sed -n 's/^host: //p')" ]; then
                bf_ld=ld
            else
                # Debian's cross binutils: aarch64-linux-gnu-ld and friends.
                bf_ld="${bf_target%%-*}-linux-gnu-ld"
            fi
            # Debian's cross glibc is the same release as this machine's.
            bf_minor=$(glibc_minor)
            if [ "${bf_minor:-0}" -ge 36 ] && "$bf_ld" --help 2>/dev/null | grep -q pack-relative-relocs; then
                RELEASE_RUSTFLAGS="$RELEASE_RUSTFLAGS -C link-arg=-Wl,-z,pack-relative-relocs"
            fi
            ;;
    esac
    # Paths may hold spaces: the Rust flags go to cargo one per field of
    # CARGO_ENCODED_RUSTFLAGS (unit separator between them). C flags are split
    # at spaces by the cc crate: a path with a space keeps its name there.
    bf_us=$(printf '\037')
    RELEASE_RUSTFLAGS=$(printf '%s' "$RELEASE_RUSTFLAGS" | tr ' ' "$bf_us")
    bf_pairs=$(remap_pairs)
    bf_old_ifs=$IFS
    IFS='
'
    for bf_pair in $bf_pairs; do
        RELEASE_RUSTFLAGS="$RELEASE_RUSTFLAGS$bf_us--remap-path-prefix=$bf_pair"
        case "$bf_pair" in
            *[[:space:]]*) ;;
            *) RELEASE_CFLAGS="$RELEASE_CFLAGS -ffile-prefix-map=$bf_pair" ;;
        esac
    done
    IFS=$bf_old_ifs
    RELEASE_RUSTFLAGS="${RELEASE_RUSTFLAGS#"$bf_us"}"
    RELEASE_CFLAGS="${RELEASE_CFLAGS# }"
}

# cargo_release TARGET [cargo build arguments]: the release build of TARGET
# with those flags (and the caller's RUSTFLAGS before them).
cargo_release() {
    build_flags "$1"
    bf_c_target=$(echo "$1" | tr - _)
    bf_us=$(printf '\037')
    bf_user=""
    if [ -n "${RUSTFLAGS:-}" ]; then
        bf_user=$(printf '%s' "$RUSTFLAGS" | tr -s ' ' "$bf_us")
        bf_user="${bf_user#"$bf_us"}"
        bf_user="${bf_user%"$bf_us"}$bf_us"
    fi
    bf_target="$1"
    shift
    env CARGO_ENCODED_RUSTFLAGS="$bf_user$RELEASE_RUSTFLAGS" "CFLAGS_$bf_c_target=${CFLAGS:-} $RELEASE_CFLAGS" \
        cargo build --release --locked --target "$bf_target" "$@"
}
