#!/bin/sh
# Builds bedrock-token in release mode and installs it into ~/.local/bin
# (or PREFIX/bin with --prefix PREFIX). Safe to run again.
set -eu

usage() {
    echo "usage: ./install.sh [--prefix DIR]   (installs into DIR/bin; default ~/.local)"
}

prefix="${HOME:-}/.local"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix)
            [ $# -ge 2 ] || { usage >&2; exit 2; }
            prefix="$2"
            shift 2
            ;;
        --prefix=*)
            prefix="${1#--prefix=}"
            shift
            ;;
        -h|--help)
            usage
            exit 0
            ;;
        *)
            echo "install.sh: unknown option: $1" >&2
            usage >&2
            exit 2
            ;;
    esac
done

if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo is not installed. Install Rust from https://rustup.rs (then open a new shell) and run ./install.sh again." >&2
    exit 1
fi
if [ -z "$prefix" ] || [ "$prefix" = "/.local" ]; then
    echo "install.sh: HOME is not set; pass --prefix DIR" >&2
    exit 1
fi

cd "$(dirname "$0")"
# On Linux with glibc, a static binary with packed relative relocations,
# built so that no path of this machine ends up in it: the flags of the
# release binaries (scripts/build-flags.sh, which says why).
if [ "$(uname -s)" = Linux ] && ldd --version 2>&1 | grep -qi 'glibc\|gnu libc'; then
    . ./scripts/build-flags.sh
    host=$(rustc -vV | sed -n 's/^host: //p')
    cargo_release "$host" --quiet
    built="${CARGO_TARGET_DIR:-target}/$host/release/bedrock-token"
else
    cargo build --release --locked --quiet
    built="${CARGO_TARGET_DIR:-target}/release/bedrock-token"
fi
bindir="$prefix/bin"
mkdir -p "$bindir"
# Copy then rename, so a running bedrock-token is never overwritten in place.
cp "$built" "$bindir/.bedrock-token.new"
chmod 755 "$bindir/.bedrock-token.new"
mv -f "$bindir/.bedrock-token.new" "$bindir/bedrock-token"
echo "installed $bindir/bedrock-token"

case ":${PATH:-}:" in
    *":$bindir:"*) ;;
    *) echo "install.sh: warning: $bindir is not on your PATH; add it, e.g.: export PATH=\"$bindir:\$PATH\"" >&2 ;;
esac
