/* Console control events for the Windows tests, which wine 8 delivers only
 * between processes on a real console of their own (a test binary started
 * from a Unix shell has none). Built by scripts/windows-tests.sh.
 *
 *   console send PID   attach to PID's console, ignore Ctrl-C ourselves and
 *                      send it to every process there; exit 0 once sent.
 *   console wait N     print "waiting", then wait up to N seconds for
 *                      Ctrl-C: exit 42 when it comes, 1 when it does not. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static BOOL WINAPI on_ctrl(DWORD ctrl) {
    if (ctrl == CTRL_C_EVENT || ctrl == CTRL_BREAK_EVENT) ExitProcess(42);
    return FALSE;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "send") == 0) {
        DWORD pid = (DWORD)strtoul(argv[2], NULL, 10);
        FreeConsole();
        if (!AttachConsole(pid)) return 2;
        if (!SetConsoleCtrlHandler(NULL, TRUE)) return 3;
        if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) return 4;
        FreeConsole();
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "wait") == 0) {
        if (!SetConsoleCtrlHandler(on_ctrl, TRUE)) return 3;
        printf("waiting\n");
        fflush(stdout);
        Sleep((DWORD)atoi(argv[2]) * 1000);
        return 1;
    }
    fprintf(stderr, "usage: console send PID | console wait SECONDS\n");
    return 2;
}
