/* native_main.c: the native driver of a benchmark kernel: run(n) once, print the checksum.
 * Timing is done outside, on the whole process, the same way as for pith and node. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint32_t run(uint32_t n);

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1;
    printf("%u\n", run(n));
    return 0;
}
