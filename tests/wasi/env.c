/* env.c: the guest's environment is exactly what was granted. With an argument NAME, prints
 * whether NAME is set (for --inherit-env); otherwise lists every variable. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc > 1) {
        const char *v = getenv(argv[1]);
        printf("%s %s\n", argv[1], v ? "is set" : "is not set");
        return 0;
    }
    int n = 0;
    for (char **e = environ; *e; e++, n++)
        printf("%s\n", *e);
    printf("%d variable(s)\n", n);
    return 0;
}
