/* bcryptprimitives.dll with only ProcessPrng, for wine versions that lack
 * it (wine 8): Rust's std calls it at start-up, so without it no Rust
 * program loads. Filled by RtlGenRandom (advapi32!SystemFunction036), which
 * wine has. Test use only; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
