/* cat.c: copies all of stdin to stdout (with "-n", prints only the byte count). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int count_only = argc > 1 && !strcmp(argv[1], "-n");
    static char buf[65536];
    unsigned long total = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        total += (unsigned long)n;
        if (!count_only) {
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(1, buf + off, (size_t)(n - off));
                if (w <= 0) {
                    perror("write");
                    return 1;
                }
                off += w;
            }
        }
    }
    if (count_only)
        printf("%lu bytes\n", total);
    return 0;
}
