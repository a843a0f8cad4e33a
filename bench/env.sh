# shellcheck shell=sh
# Sourced by the bench scripts (POSIX sh): `need PACKAGE...` installs
# missing Debian packages; `example_keys DIR` sets a fresh HOME under DIR
# and AWS's documented example keys, so every scenario signs alike and no
# metadata service is asked.

need() {
    missing=""
    for pkg in "$@"; do
        command -v "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing time >/dev/null
}

example_keys() {
    mkdir -p "$1/home/.aws"
    HOME="$1/home"
    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    AWS_REGION=us-east-1
    AWS_EC2_METADATA_DISABLED=true
    export HOME AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_EC2_METADATA_DISABLED
}
