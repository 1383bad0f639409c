/* random.c: random_get fills buffers with bytes that differ between calls and cover the
 * byte range (a stuck or zeroed source fails). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[256], b[256];
    if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) {
        printf("getentropy failed\n");
        return 1;
    }
    int seen[256] = {0}, distinct = 0;
    for (int i = 0; i < 256; i++)
        if (!seen[a[i]]++)
            distinct++;
    printf("buffers differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    printf("many distinct bytes: %s\n", distinct > 100 ? "yes" : "no");
    /* A big request (more than one getrandom call may return). */
    static unsigned char big[1 << 20];
    unsigned long nz = 0;
    for (size_t off = 0; off < sizeof big; off += 256)
        if (getentropy(big + off, 256))
            return 1;
    for (size_t i = 0; i < sizeof big; i++)
        nz += big[i] != 0;
    printf("1 MiB mostly nonzero: %s\n", nz > (sizeof big) * 9 / 10 ? "yes" : "no");
    return 0;
}
