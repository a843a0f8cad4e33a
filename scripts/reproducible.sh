#!/bin/sh
# Checks that a release binary is reproducible: the one built here (by
# scripts/release.sh or install.sh: the same build) and one built from a
# copy of this checkout in another directory, by another $HOME with its own
# cargo home (the crates copied from this one's download cache, unpacked
# there anew) and its own target directory, must be the same bytes.
#
# usage: sh scripts/reproducible.sh [TARGET]   (default: x86_64-unknown-linux-gnu)
# The second build is a whole release build from scratch: minutes.
set -eu
cd "$(dirname "$0")/.."

target="${1:-x86_64-unknown-linux-gnu}"
case "$target" in
    *-windows-*) exe=.exe ;;
    *) exe="" ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
src="$tmp/elsewhere/src"
home="$tmp/other-home"
mkdir -p "$src" "$home/.cargo/registry"

# The checkout as it is (tracked files and new ones, not what is ignored).
git ls-files -z --cached --others --exclude-standard \
    | grep -zvE '^(\.venv|\.npm-tools|dist|target)(/|$)' \
    | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$src" -xf -
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
for d in index cache; do
    [ -d "$cargo_home/registry/$d" ] && cp -a "$cargo_home/registry/$d" "$home/.cargo/registry/"
done

echo "reproducible: building $target again in $src with HOME=$home" >&2
env -i PATH="$PATH" HOME="$home" LANG=C.UTF-8 \
    RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_NET_OFFLINE=true \
    sh "$src/scripts/release.sh" --out "$tmp/dist" "$target" >/dev/null

there="$src/target/$target/release/bedrock-token$exe"
# Here last: in CI it is built already (install.sh, scripts/release.sh).
. ./scripts/build-flags.sh
cargo_release "$target" --quiet
here="${CARGO_TARGET_DIR:-target}/$target/release/bedrock-token$exe"
if cmp -s "$here" "$there"; then
    echo "reproducible: $target: the same $(wc -c < "$here" | tr -d ' ') bytes from $(pwd) and from $src ($(sha256sum "$here" | cut -d' ' -f1))"
    exit 0
fi
echo "reproducible: $target: the two builds differ in $(cmp -l "$here" "$there" | wc -l) bytes; strings only in one of them:" >&2
strings -n 8 "$here" | sort -u > "$tmp/a"
strings -n 8 "$there" | sort -u > "$tmp/b"
diff "$tmp/a" "$tmp/b" | head -n 20 >&2 || true
exit 1
