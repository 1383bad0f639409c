/* bigout.c: writes argv[1] MiB (default 16) of a deterministic pattern through stdio, so the
 * output can be compared with the native build's. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 16;
    unsigned x = 12345;
    for (long line = 0; line < mib * 16384; line++) {
        char s[64];
        for (int i = 0; i < 63; i++) {
            x = x * 1103515245u + 12345u;
            s[i] = (char)('a' + (x >> 16) % 26);
        }
        s[63] = 0;
        puts(s);
    }
    return 0;
}
