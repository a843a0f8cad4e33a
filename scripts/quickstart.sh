#!/bin/sh
# Runs the README's install-and-run command in a throwaway HOME and checks
# that it printed a key, so the README stays true.
set -eu
cd "$(dirname "$0")/.."
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# stderr is kept aside, and shown when the command fails: a failed build
# must show cargo's errors, not only that it failed.
status=0
out=$(env -i PATH="$PATH" HOME="$home" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
    RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" sh -c \
    './install.sh && AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ~/.local/bin/bedrock-token --region us-east-1 --no-cache' \
    2>"$home/quickstart.err") || status=$?
case "$status:$out" in
    0:*bedrock-api-key-*) echo "quickstart: ok ($home/.local/bin/bedrock-token printed a key)" ;;
    *)
        echo "quickstart: the README's first command did not print a key (exit $status); its stderr:" >&2
        cat "$home/quickstart.err" >&2
        exit 1
        ;;
esac
grep -q "install.sh: building bedrock-token" "$home/quickstart.err" \
    || { echo "quickstart: install.sh did not say it was building" >&2; exit 1; }
printf '%s' "${out##*installed*
}" | "$home/.local/bin/bedrock-token" inspect - >/dev/null

# Without cargo, install.sh says what to do.
if env -i PATH=/usr/bin:/bin sh -c 'command -v cargo' >/dev/null 2>&1; then
    echo "quickstart: cargo is in /usr/bin; skipping the no-cargo check"
    exit 0
fi
if env -i PATH=/usr/bin:/bin HOME="$home" sh install.sh >/dev/null 2>"$home/err"; then
    echo "quickstart: install.sh succeeded without cargo?" >&2
    exit 1
fi
grep -q "cargo is not installed" "$home/err" || { cat "$home/err" >&2; exit 1; }
echo "quickstart: install.sh without cargo fails with a clear message"
