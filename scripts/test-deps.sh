#!/bin/sh
# Installs everything the test suite runs against, on a clean Debian or
# Ubuntu machine that has only rustup's Rust: cargo's own components and
# Windows, aarch64 Linux and macOS targets; from Debian, a C linker, shells,
# bash-completion, direnv, openssl, npm, python3-venv and systemd (for
# systemd-analyze), mingw-w64 and wine for the Windows build and its tests,
# the aarch64 cross gcc with its glibc and qemu-user for the Linux-on-ARM
# build and its tests; the reference generator, moto, the AWS CLI, boto3,
# PyYAML, openai, anthropic, and cargo-zigbuild with zig (the macOS lint)
# from PyPI into .venv (tests/requirements.txt); Claude Code, Codex CLI, the
# AWS SDK for JavaScript v3 and openai-node from npm into .npm-tools
# (tests/npm-tools.txt). One line
# per step on stderr, saying what it installs and roughly how long it takes;
# a step with nothing to do says nothing. Idempotent. Exits non-zero, saying
# what to do, when it cannot install something.
set -eu
cd "$(dirname "$0")/.."

step() { echo "test-deps: $*" >&2; }
fail() { echo "test-deps: error: $*" >&2; exit 1; }

# 1. Rust: first, since everything else is useless without it, and a
# failure here must not come after minutes of other downloads.
command -v cargo >/dev/null 2>&1 \
    || fail "cargo is not on PATH: install Rust from https://rustup.rs, open a new shell, and run this again"
targets="x86_64-pc-windows-gnu aarch64-unknown-linux-gnu aarch64-apple-darwin x86_64-apple-darwin"
targets_missing=""
for t in $targets; do
    lib=$(rustc --print target-libdir --target "$t" 2>/dev/null || true)
    [ -d "$lib" ] || targets_missing="$targets_missing $t"
done
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1 \
    || [ -n "$targets_missing" ]; then
    command -v rustup >/dev/null 2>&1 \
        || fail "rustfmt, clippy or a target of$targets_missing is missing, and rustup is not on PATH to add them: install them with your Rust distribution"
    step "installing Rust components rustfmt, clippy and targets$targets_missing (rustup; a minute or two)"
    rustup component add rustfmt clippy >/dev/null
    # shellcheck disable=SC2086
    [ -z "$targets_missing" ] || rustup target add $targets_missing >/dev/null
fi
cargo fmt --version >/dev/null 2>&1 || fail "cargo fmt does not run after rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || fail "cargo clippy does not run after rustup component add clippy"

# 2. Debian packages.
missing=""
# tool:Debian package
for pair in cc:gcc fish:fish zsh:zsh direnv:direnv shellcheck:shellcheck openssl:openssl \
    npm:npm systemd-analyze:systemd python3:python3 script:bsdutils; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
# The linker needs the C library's development files; a TLS client, the
# system's root certificates.
[ -e /usr/include/stdio.h ] || missing="$missing libc6-dev"
[ -e /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"
[ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
# `python3 -m venv` needs ensurepip, which Debian ships apart.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing="$missing python3-venv"
fi
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing="$missing gcc-mingw-w64-x86-64"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || missing="$missing libc6-dev-arm64-cross"
command -v qemu-aarch64-static >/dev/null 2>&1 || missing="$missing qemu-user-static"
if ! command -v wine64 >/dev/null 2>&1 && [ ! -x /usr/lib/wine/wine64 ]; then
    missing="$missing wine64"
fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        fail "these Debian packages are missing:$missing; run this as root, or install sudo, or install them yourself"
    fi
    command -v apt-get >/dev/null 2>&1 \
        || fail "these Debian packages are missing:$missing, and this is not a Debian-like system (no apt-get): install their equivalents"
    step "installing Debian packages:$missing (apt-get; up to 10 minutes on a fresh system, wine the most)"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 3. Python packages.
if [ ! -x .venv/bin/python ]; then
    step "creating .venv (python3 -m venv; a few seconds)"
    python3 -m venv .venv || fail "python3 -m venv failed: install python3-venv (apt-get install python3-venv), remove .venv, and run this again"
fi
if ! .venv/bin/python -c 'import aws_bedrock_token_generator, moto, awscli, boto3, ziglang' 2>/dev/null \
    || ! cmp -s tests/requirements.txt .venv/.requirements; then
    step "installing Python packages of tests/requirements.txt into .venv (pip; about a minute)"
    .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
    cp tests/requirements.txt .venv/.requirements
fi

# 4. npm packages. Claude Code and Codex CLI ship a native binary per
# platform: any Node that runs npm will do for installing them (npm only
# warns about their engines fields).
if [ ! -x .npm-tools/node_modules/.bin/claude ] \
    || [ ! -d .npm-tools/node_modules/@aws-sdk/client-bedrock-runtime ] \
    || ! cmp -s tests/npm-tools.txt .npm-tools/.requirements; then
    step "installing npm packages of tests/npm-tools.txt into .npm-tools (npm; under a minute)"
    mkdir -p .npm-tools
    # shellcheck disable=SC2046
    npm install --prefix .npm-tools --no-audit --no-fund --loglevel=error \
        $(grep -v '^#' tests/npm-tools.txt)
    cp tests/npm-tools.txt .npm-tools/.requirements
fi
step "done"
