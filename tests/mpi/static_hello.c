/* static_hello.c - a statically linked program: mpisnap-run must refuse it (LD_PRELOAD
 * cannot reach a static binary) with one line saying so. */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
