#!/bin/sh
# Installs everything the test suite runs against, on a clean Debian machine:
# shells, direnv, openssl, npm and systemd (for systemd-analyze) from
# Debian, mingw-w64 and wine for the Windows build and its tests, the
# aarch64 cross gcc with its glibc and qemu-user for the Linux-on-ARM build
# and its tests; the reference generator, moto, the AWS CLI, boto3, PyYAML,
# openai and anthropic, and cargo-zigbuild with zig (the macOS lint) from
# PyPI into .venv (tests/requirements.txt); Claude Code and the AWS SDK for
# JavaScript v3 from npm into .npm-tools (tests/npm-tools.txt); and cargo's
# own components and the Windows, aarch64 Linux and macOS targets.
# Idempotent.
set -eu
cd "$(dirname "$0")/.."

missing=""
# tool:Debian package
for pair in fish:fish zsh:zsh direnv:direnv shellcheck:shellcheck openssl:openssl npm:npm systemd-analyze:systemd; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing="$missing gcc-mingw-w64-x86-64"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || missing="$missing libc6-dev-arm64-cross"
command -v qemu-aarch64-static >/dev/null 2>&1 || missing="$missing qemu-user-static"
if ! command -v wine64 >/dev/null 2>&1 && [ ! -x /usr/lib/wine/wine64 ]; then
    missing="$missing wine64"
fi
if [ -n "$missing" ]; then
    echo "test-deps: installing Debian packages:$missing" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import aws_bedrock_token_generator, moto, awscli, boto3, ziglang' 2>/dev/null \
    || ! cmp -s tests/requirements.txt .venv/.requirements; then
    echo "test-deps: installing Python packages into .venv" >&2
    .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
    cp tests/requirements.txt .venv/.requirements
fi

# Claude Code ships a native binary per platform: any Node that runs npm will
# do for installing it (npm only warns about its engines field).
if [ ! -x .npm-tools/node_modules/.bin/claude ] || [ ! -d .npm-tools/node_modules/@aws-sdk/client-bedrock-runtime ] \
    || ! cmp -s tests/npm-tools.txt .npm-tools/.requirements; then
    echo "test-deps: installing npm packages into .npm-tools" >&2
    mkdir -p .npm-tools
    # shellcheck disable=SC2046
    npm install --prefix .npm-tools --no-audit --no-fund --loglevel=error \
        $(grep -v '^#' tests/npm-tools.txt)
    cp tests/npm-tools.txt .npm-tools/.requirements
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true
rustup target add x86_64-pc-windows-gnu >/dev/null
rustup target add aarch64-unknown-linux-gnu >/dev/null
rustup target add aarch64-apple-darwin x86_64-apple-darwin >/dev/null
