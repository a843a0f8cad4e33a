#!/bin/sh
# Runs each cargo-fuzz target for a fixed time and reports the executions it
# reached. Not part of CI. Usage: sh fuzz/run.sh [SECONDS]   (default 60)
set -eu
cd "$(dirname "$0")"
secs="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo-fuzz needs nightly-only flags (sanitizers); on a stable toolchain
# RUSTC_BOOTSTRAP lets the one toolchain accept them.
RUSTC_BOOTSTRAP=1
export RUSTC_BOOTSTRAP
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "| target | seconds | executions | result |"
echo "| --- | --- | --- | --- |"
for target in token_decode bedrock_key cache_entry duration aws_ini config_file; do
    if cargo fuzz run "$target" -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result="FAILED (see fuzz/artifacts/$target)"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "| $target | $secs | ${execs:-?} | $result |"
done
