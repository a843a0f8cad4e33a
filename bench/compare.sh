#!/bin/sh
# Compares the cache hit of two bedrock-token binaries (say, main before and
# after a change) and /bin/true, interleaved: ROUNDS rounds, each timing
# every command for RUNS runs in turn, so machine noise falls on all alike.
# Prints the median of the per-round medians, and each one's peak RSS.
#
#   sh bench/compare.sh OLD_BINARY NEW_BINARY
#   ROUNDS=10 RUNS=100 sh bench/compare.sh ...
set -eu
[ $# -eq 2 ] || { echo "usage: sh bench/compare.sh OLD_BINARY NEW_BINARY" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
cd "$(dirname "$0")/.."
. bench/env.sh
need hyperfine
rounds="${ROUNDS:-10}"
runs="${RUNS:-100}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT INT TERM
example_keys "$work"
# Separate caches: entry formats may differ between the two.
BEDROCK_TOKEN_CACHE_DIR="$work/old-cache" "$old" >/dev/null
BEDROCK_TOKEN_CACHE_DIR="$work/new-cache" "$new" >/dev/null

i=0
while [ "$i" -lt "$rounds" ]; do
    for name in true old new; do
        case $name in
            true) bin=/bin/true ;;
            old) bin=$old ;;
            new) bin=$new ;;
        esac
        # -N runs no shell: the cache directory goes through the environment.
        BEDROCK_TOKEN_CACHE_DIR="$work/$name-cache" \
            hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/$name.$i.json" "$bin" >/dev/null 2>&1
    done
    i=$((i + 1))
done
rss_old=$(BEDROCK_TOKEN_CACHE_DIR="$work/old-cache" /usr/bin/time -f %M "$old" 2>&1 >/dev/null | tail -n 1)
rss_new=$(BEDROCK_TOKEN_CACHE_DIR="$work/new-cache" /usr/bin/time -f %M "$new" 2>&1 >/dev/null | tail -n 1)
rss_true=$(/usr/bin/time -f %M /bin/true 2>&1 | tail -n 1)
python3 - "$work" "$rounds" "$rss_true" "$rss_old" "$rss_new" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
rss = dict(zip(["true", "old", "new"], map(int, sys.argv[3:6])))
med = {}
for name in ["true", "old", "new"]:
    med[name] = statistics.median(
        json.load(open(f"{work}/{name}.{i}.json"))["results"][0]["median"] for i in range(rounds)
    )
label = {"true": "`/bin/true`", "old": "cache hit, before", "new": "cache hit, after"}
print(f"| command ({rounds} interleaved rounds) | median of medians | / `/bin/true` | peak RSS |")
print("| --- | --- | --- | --- |")
for name in ["true", "old", "new"]:
    print(f"| {label[name]} | {med[name] * 1000:.3f} ms | {med[name] / med['true']:.2f}x | {rss[name] / 1024:.2f} MiB |")
print()
print(f"after / before: {med['new'] / med['old']:.3f}")
PY
