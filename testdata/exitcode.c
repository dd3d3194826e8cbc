// exitcode exits with the status given as argv[1] (0 when absent).
#include <stdlib.h>

int main(int argc, char **argv) {
	return argc > 1 ? atoi(argv[1]) : 0;
}
