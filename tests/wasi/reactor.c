/* reactor.c: a WASI reactor (built with -mexec-model=reactor; marker: PITH_REACTOR). Its
 * _initialize runs the constructors, which `pith run --invoke` must call first. */
#include <stdio.h>
#include <stdlib.h>

static int base = -1;

__attribute__((constructor)) static void init(void)
{
    const char *b = getenv("BASE");
    base = b ? atoi(b) : 100;
}

__attribute__((export_name("add"))) int add(int a, int b)
{
    printf("add(%d, %d) with base %d\n", a, b, base);
    fflush(stdout);
    return base + a + b;
}
