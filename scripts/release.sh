#!/bin/sh
# Builds the release binaries into dist/ (or --out DIR), one per target that
# links on this machine, named bedrock-token-VERSION-TARGET (.exe on
# Windows), with a SHA256SUMS file over them:
#   x86_64-unknown-linux-gnu    static, glibc (any x86_64 Linux)
#   aarch64-unknown-linux-gnu   static, glibc (any aarch64 Linux), Debian's cross gcc
#   x86_64-pc-windows-gnu       mingw-w64
# macOS is not among them: its binaries link against Apple's SDK, which is
# not here (README, Platforms).
#
# The flags are install.sh's (scripts/build-flags.sh): the same build, so
# cargo builds the x86_64 one once for both, and reproducible: the same
# bytes from another directory and another $HOME (scripts/reproducible.sh
# checks it).
#
# An artifact counts only once it has done its main job on its platform, run
# natively, by qemu-user or by wine: a key for the documented example
# credentials that decodes to a URL signed with them, then a cache hit that
# returns the same key.
#
# usage: sh scripts/release.sh [--out DIR] [TARGET...]   (default: all three)
#        sh scripts/release.sh --check FILE TARGET      (that check alone, on a
#                                                        binary built or downloaded)
# Needs what scripts/test-deps.sh installs.
set -eu
cd "$(dirname "$0")/.."

out=dist
check=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --out=*) out="${1#--out=}"; shift ;;
        -*) echo "release: unknown option: $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    set -- x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-pc-windows-gnu
fi

. ./scripts/build-flags.sh
. ./scripts/wine-env.sh

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target_dir="${CARGO_TARGET_DIR:-target}"
akid=AKIAIOSFODNN7EXAMPLE
secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

# check_key KEY: the key is `bedrock-api-key-` and the base64 of a presigned
# CallWithBearerToken URL, signed today-ish for us-east-1 with $akid.
check_key() {
    case "$1" in
        bedrock-api-key-*) ;;
        *) echo "release: the output is not a Bedrock key (bedrock-api-key-...)" >&2; return 1 ;;
    esac
    url=$(printf '%s' "${1#bedrock-api-key-}" | base64 -d 2>/dev/null) || {
        echo "release: the key is not base64" >&2
        return 1
    }
    amz_date=$(printf '%s' "$url" | sed -n 's/.*[?&]X-Amz-Date=\([0-9]\{8\}\)T[0-9]\{6\}Z.*/\1/p')
    case "$url" in
        "bedrock.amazonaws.com/?Action=CallWithBearerToken&"*"X-Amz-Credential=$akid%2F$amz_date%2Fus-east-1%2Fbedrock%2Faws4_request&"*"&Version=1") ;;
        *) echo "release: the key does not decode to a CallWithBearerToken URL signed with $akid for us-east-1" >&2; return 1 ;;
    esac
    [ -n "$amz_date" ] || { echo "release: the key has no X-Amz-Date" >&2; return 1; }
}

# elf_check ARTIFACT TARGET: a Linux binary is static (no program
# interpreter), its stack is not executable and it has a RELRO segment
# (read-only once started): what SECURITY.md says holds though the x86_64
# image is not position-independent.
elf_check() {
    case "$2" in
        *-linux-gnu) ;;
        *) return 0 ;;
    esac
    command -v readelf >/dev/null 2>&1 || {
        echo "release: readelf (binutils) is missing: run scripts/test-deps.sh" >&2
        return 1
    }
    segments=$(readelf -lW "$1") || return 1
    if printf '%s\n' "$segments" | grep -q ' INTERP '; then
        echo "release: $2: not static (it names a program interpreter)" >&2
        return 1
    fi
    printf '%s\n' "$segments" | grep -q ' GNU_RELRO ' || {
        echo "release: $2: no RELRO segment" >&2
        return 1
    }
    stack=$(printf '%s\n' "$segments" | grep ' GNU_STACK ') || {
        echo "release: $2: no GNU_STACK segment (the stack would be executable)" >&2
        return 1
    }
    case "$stack" in
        *RWE*) echo "release: $2: the stack is executable" >&2; return 1 ;;
    esac
    echo "release: $2: static, a non-executable stack, RELRO"
}

# smoke ARTIFACT TARGET: the main job, then a cache hit, on its platform.
smoke() {
    dir=$(mktemp -d)
    mkdir -p "$dir/home/.aws" "$dir/bin"
    runner=""
    cache="$dir/cache"
    case "$2" in
        "$(rustc -vV | sed -n 's/^host: //p')") ;;
        aarch64-unknown-linux-gnu)
            runner=qemu-aarch64-static
            command -v "$runner" >/dev/null 2>&1 || {
                echo "release: qemu-aarch64-static is missing: run scripts/test-deps.sh" >&2
                return 1
            }
            ;;
        *-windows-*)
            wine_env "$target_dir"
            wine_start
            wine_processprng "$dir/bin"
            runner="$wine"
            cache="Z:$dir/cache"
            ;;
        *) echo "release: no way to run $2 here" >&2; return 1 ;;
    esac
    cp "$1" "$dir/bin/"
    bin="$dir/bin/$(basename "$1")"
    run() {
        set -- "$bin" --region us-east-1
        if [ -n "$runner" ]; then set -- "$runner" "$@"; fi
        env -i PATH="$PATH" HOME="$dir/home" LANG=C.UTF-8 \
            WINEPREFIX="${WINEPREFIX:-}" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
            AWS_EC2_METADATA_DISABLED=true BEDROCK_TOKEN_CACHE_DIR="$cache" \
            AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" \
            "$@" </dev/null >"$dir/out" || return 1
        tr -d '\r' <"$dir/out"
    }
    first=$(run) || { echo "release: $2: the binary failed" >&2; return 1; }
    check_key "$first" || return 1
    # X-Amz-Date counts seconds: a key signed anew a second later differs.
    sleep 1
    second=$(run) || { echo "release: $2: the second run failed" >&2; return 1; }
    if [ "$first" != "$second" ]; then
        echo "release: $2: the second run signed a new key instead of a cache hit" >&2
        return 1
    fi
    ls "$dir/cache/"*.json >/dev/null 2>&1 || {
        echo "release: $2: no cache entry was written" >&2
        return 1
    }
    rm -rf "$dir"
    echo "release: $2: a key for $akid in us-east-1, then the same key from the cache (${runner:-native})"
}

if [ -n "$check" ]; then
    [ $# -eq 1 ] || { echo "release: --check FILE takes one TARGET" >&2; exit 2; }
    elf_check "$check" "$1"
    smoke "$check" "$1"
    if [ -n "${wine:-}" ]; then wine_stop; fi
    exit 0
fi

mkdir -p "$out"
for target in "$@"; do
    case "$target" in
        *-windows-*) exe=.exe ;;
        *) exe="" ;;
    esac
    echo "release: building $target" >&2
    cargo_release "$target" --quiet
    name="bedrock-token-$version-$target$exe"
    rm -f "$out/$name"
    elf_check "$target_dir/$target/release/bedrock-token$exe" "$target"
    smoke "$target_dir/$target/release/bedrock-token$exe" "$target"
    cp "$target_dir/$target/release/bedrock-token$exe" "$out/$name"
done
if [ -n "${wine:-}" ]; then wine_stop; fi

# One line per artifact in the directory, as `sha256sum -c` reads them.
(cd "$out" && rm -f SHA256SUMS && sha256sum "bedrock-token-$version-"* > SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
echo "release: $out/SHA256SUMS:"
cat "$out/SHA256SUMS"
