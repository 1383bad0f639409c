/* hello.c: the smallest WASI program: one line on stdout, exit 0. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 0;
}
