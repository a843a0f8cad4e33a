/* A stand-in for the AWS CLI in the Windows tests (tests/windows.rs), where
 * `--login` runs `aws sso login --profile NAME` and Rust's Command finds only
 * `aws.exe` on PATH. It prints what a login prints on stdout (which must
 * reach the caller's stderr, never its stdout), appends a line to the file
 * named by FAKE_AWS_LOG, and sleeps FAKE_AWS_SLEEP_MS milliseconds so that
 * parallel callers overlap. It renews nothing. Built by
 * scripts/windows-tests.sh. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("LOGIN OUTPUT");
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
    const char *log = getenv("FAKE_AWS_LOG");
    if (log) {
        FILE *f = fopen(log, "a");
        if (!f) return 3;
        fputs("run\n", f);
        fclose(f);
    }
    const char *ms = getenv("FAKE_AWS_SLEEP_MS");
    if (ms) Sleep((DWORD)atoi(ms));
    return 0;
}
