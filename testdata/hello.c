// hello prints its arguments and a greeting: the smallest program dmvx must
// run with identical output.
#include <stdio.h>

int main(int argc, char **argv) {
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, i == 0 ? "(program)" : argv[i]);
	printf("hello, world\n");
	return 0;
}
