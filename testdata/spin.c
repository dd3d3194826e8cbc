// spin is built twice: spin_no writes a line and exits; spin_yes (-DSPIN)
// loops forever in user code before the write, making no system call. Run as
// --variant spin_no --variant spin_yes, the leader waits at the write for a
// follower that never arrives: the deadline must end the run as divergent.
#include <unistd.h>

int main(void) {
#ifdef SPIN
	for (;;)
		__asm__ volatile("" ::: "memory");
#endif
	return write(1, "x\n", 2) == 2 ? 0 : 1;
}
