/* args.c: the guest sees exactly the arguments after the module path (argv[0] is the
 * module path, printed by base name so the expected output is stable). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    printf("argc=%d\nargv[0]=%s\n", argc, base ? base + 1 : argv[0]);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    return 0;
}
