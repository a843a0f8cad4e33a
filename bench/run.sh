#!/bin/sh
# Benchmarks bedrock-token against AWS's reference generator and /bin/true,
# and prints a markdown table (docs/benchmarks.md holds the latest one).
# Not part of the test suite: figures on shared machines drift, so the
# targets are stated as ratios measured in one run.
#
#   sh bench/run.sh            # everything
#   RUNS=100 sh bench/run.sh   # fewer hyperfine runs for the fast scenarios
#
# It ends with the instruction counts of a hit and a miss
# (bench/instructions.sh), which machine noise does not move.
set -eu
cd "$(dirname "$0")/.."

. bench/env.sh
need hyperfine strace
sh scripts/test-deps.sh

runs="${RUNS:-300}"
py="$(pwd)/.venv/bin/python"
work="$(mktemp -d)"
blackhole_pid=""
trap 'kill $blackhole_pid 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
# Measure what users install.
sh install.sh --prefix "$work/inst" >/dev/null 2>&1
bin="$work/inst/bin/bedrock-token"
mkdir -p "$work/json"

# Same static credentials for us and the reference.
example_keys "$work"
"$bin" >/dev/null # warm the cache

cat > "$work/reference.py" <<'PY'
from aws_bedrock_token_generator import provide_token
print(provide_token(region="us-east-1"))
PY

# A credential_process that takes 1 s and returns credentials living 2
# minutes: below --min-remaining, so every stampede finds the entry expired.
cat > "$work/slow-creds" <<'SH'
#!/bin/sh
sleep 1
exp=$(date -u -d '+120 seconds' +%Y-%m-%dT%H:%M:%SZ)
echo '{"Version":1,"AccessKeyId":"ASIABENCHEXAMPLE0001","SecretAccessKey":"benchsecret","SessionToken":"benchtoken","Expiration":"'"$exp"'"}'
SH
chmod +x "$work/slow-creds"
printf '[profile slow]\nregion = us-east-1\ncredential_process = %s\n' "$work/slow-creds" > "$work/home/.aws/config"
cat > "$work/stampede" <<SH
#!/bin/sh
i=0
while [ \$i -lt 100 ]; do
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$bin" --profile slow >/dev/null 2>&1 &
    i=\$((i + 1))
done
wait
SH
chmod +x "$work/stampede"
"$work/stampede"

# Off EC2 the metadata service may never answer: a loopback listener that
# accepts and stays silent plays it, so no traffic leaves the machine.
"$py" - "$work/port" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept())
PY
blackhole_pid=$!
while [ ! -s "$work/port" ]; do sleep 0.05; done
cat > "$work/nocreds" <<SH
#!/bin/sh
exec env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_EC2_METADATA_DISABLED \
    AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$(cat "$work/port") "$bin" --no-cache
SH
chmod +x "$work/nocreds"

bench() { # name runs command...
    name=$1 n=$2
    shift 2
    hyperfine -N --warmup 3 --runs "$n" -i --export-json "$work/json/$name.json" "$*" >/dev/null 2>&1
    rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
    echo "$rss" > "$work/json/$name.rss"
}

bench true "$runs" /bin/true
bench hit "$runs" "$bin"
bench miss 100 "$bin" --no-cache
bench reference 20 "$py" "$work/reference.py"
bench stampede 5 "$work/stampede"
bench nocreds 5 "$work/nocreds"

size=$(stat -c %s "$bin")
"$py" - "$work/json" "$size" <<'PY'
import json, os, sys
d, size = sys.argv[1], int(sys.argv[2])
def load(name):
    r = json.load(open(os.path.join(d, name + ".json")))["results"][0]
    rss = int(open(os.path.join(d, name + ".rss")).read().split()[-1])
    return r["median"], r["min"], r["max"], rss
rows = [
    ("true", "`/bin/true`"),
    ("hit", "cache hit: `bedrock-token`"),
    ("miss", "miss, static credentials: `bedrock-token --no-cache`"),
    ("reference", "reference: `provide_token()` in a fresh python3"),
    ("stampede", "stampede: 100 callers, expired entry, 1 s credential_process"),
    ("nocreds", "no credentials, silent metadata service: the error"),
]
res = {k: load(k) for k, _ in rows}
ref, true = res["reference"][0], res["true"][0]
ms = lambda s: f"{s * 1000:.2f} ms" if s < 1 else f"{s:.3f} s"
print("| scenario | median | min | max | peak RSS | reference / this | this / `/bin/true` |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for k, label in rows:
    med, lo, hi, rss = res[k]
    print(f"| {label} | {ms(med)} | {ms(lo)} | {ms(hi)} | {rss / 1024:.2f} MiB | {ref / med:.1f}x | {med / true:.2f}x |")
print()
print(f"Release binary: {size / 1024 / 1024:.1f} MiB (stripped, LTO).")
hit, miss = res["hit"], res["miss"]
print()
print("Targets: hit <= 2x `/bin/true` (%.2fx), >= 100x faster than the reference (%.0fx), peak RSS <= 4 MiB (%.2f MiB);"
      % (hit[0] / true, ref / hit[0], hit[3] / 1024))
print("miss >= 25x faster than the reference (%.0fx); stampede <= 1.5 s (%.3f s); no credentials <= 2 s (%.3f s)."
      % (ref / miss[0], res["stampede"][0], res["nocreds"][0]))
PY

echo
echo "One cache hit, strace -c -f:"
echo
echo '```'
strace -c -f "$bin" 2>&1 >/dev/null | sed -n '1,40p'
echo '```'

echo
echo "Instructions (callgrind):"
echo
sh bench/instructions.sh "$bin"
