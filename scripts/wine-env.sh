# shellcheck shell=sh
# Sourced (not run) by scripts/windows-tests.sh and scripts/release.sh: finds
# wine64 and sets up the prefix the Windows tests and the release check
# share. wine_env TARGET_DIR sets `wine` and `wineserver` and exports
# WINEPREFIX (beside the build, so no other wine setup is touched),
# WINEDEBUG and WINEDLLOVERRIDES. wine_start creates the prefix once and
# starts the one wineserver that serves a whole run (starting one per
# program costs seconds); wine_stop ends it. wine_processprng DIR puts the
# ProcessPrng stub in DIR when this wine lacks it.

wine_env() {
    wine=""
    for w in wine64 /usr/lib/wine/wine64 wine; do
        if command -v "$w" >/dev/null 2>&1; then wine="$(command -v "$w")"; break; fi
    done
    if [ -z "$wine" ]; then
        echo "wine64 is missing: run scripts/test-deps.sh" >&2
        return 1
    fi
    wineserver=wineserver
    for s in "$(dirname "$wine")/wineserver" "$(dirname "$wine")/wineserver64"; do
        if [ -x "$s" ]; then wineserver="$s"; break; fi
    done
    mkdir -p "$1"
    WINEPREFIX="$(cd "$1" && pwd)/wine-prefix"
    WINEDEBUG=-all
    WINEDLLOVERRIDES="mscoree,mshtml="
    export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES
}

wine_start() {
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        "$wine" wineboot --init >/dev/null 2>&1 || true
        "$wineserver" -w || true
    fi
    "$wineserver" -p 2>/dev/null || true  # already running: fine
}

wine_stop() {
    "$wineserver" -k 2>/dev/null || true
}

# wine 8 has no bcryptprimitives.dll!ProcessPrng, which Rust's std calls at
# start-up; a stub beside the program (its own directory is searched first)
# fills the gap. Newer wine has it.
has_processprng() {
    for dll in /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll \
        /usr/lib/wine/x86_64-windows/bcryptprimitives.dll \
        /opt/wine*/lib/wine/x86_64-windows/bcryptprimitives.dll \
        /opt/wine*/lib64/wine/x86_64-windows/bcryptprimitives.dll; do
        [ -f "$dll" ] && grep -q ProcessPrng "$dll" && return 0
    done
    return 1
}

wine_processprng() {
    if ! has_processprng; then
        mkdir -p "$1"
        x86_64-w64-mingw32-gcc -shared -O2 -o "$1/bcryptprimitives.dll" \
            scripts/windows/processprng.c -ladvapi32
    fi
}
