#!/bin/sh
# The gateway's cost (`bedrock-token proxy`): added latency (median, p99),
# added time to the first streamed byte, 100 concurrent streams, RSS idle
# and under load, against one loopback upstream, direct and through the
# gateway in one interleaved run. Prints a markdown table
# (docs/benchmarks.md holds the latest one). Not part of the test suite.
#
#   sh bench/proxy.sh                        # the binary install.sh builds
#   BIN=target/release/bedrock-token sh bench/proxy.sh
#   REQUESTS=500 STREAMS=100 sh bench/proxy.sh
set -eu
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT INT TERM
if [ -n "${BIN:-}" ]; then
    bin="$BIN"
else
    # Measure what users install.
    sh install.sh --prefix "$work/inst" >/dev/null 2>&1
    bin="$work/inst/bin/bedrock-token"
fi
python3 bench/proxy_bench.py "$bin"
