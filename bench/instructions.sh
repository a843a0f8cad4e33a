#!/bin/sh
# Counts the instructions (valgrind --tool=callgrind) of a cache hit and of
# a miss with static keys in the environment, for each binary given (say,
# main before and after a change). Instruction counts do not drift with
# machine noise: the same binary, inputs and environment give the same
# count, whatever else the machine is doing.
#
#   sh bench/instructions.sh BINARY...
set -eu
[ $# -ge 1 ] || { echo "usage: sh bench/instructions.sh BINARY..." >&2; exit 2; }
cd "$(dirname "$0")/.."
. bench/env.sh
need valgrind
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT INT TERM
example_keys "$work"

count() { # command...: the instructions it ran
    valgrind --tool=callgrind --callgrind-out-file="$work/out" "$@" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo "| binary | cache hit | miss, static keys in the environment |"
echo "| --- | --- | --- |"
n=0
for bin in "$@"; do
    bin=$(realpath "$bin")
    n=$((n + 1))
    BEDROCK_TOKEN_CACHE_DIR="$work/cache$n" "$bin" >/dev/null # the entry a hit reads
    hit=$(BEDROCK_TOKEN_CACHE_DIR="$work/cache$n" count "$bin")
    miss=$(count "$bin" --no-cache)
    echo "| \`$bin\` | $hit | $miss |"
done
