/* exit.c: exit(N) from deep inside the program reaches the host as the process's exit code;
 * "trap" executes unreachable instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((noinline)) leave(int code, int depth)
{
    if (depth > 0)
        leave(code, depth - 1);
    exit(code);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "trap")) {
        printf("about to trap\n");
        fflush(stdout);
        __builtin_trap();
    }
    int code = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", code);
    leave(code, 10);
    return 99;  /* not reached */
}
