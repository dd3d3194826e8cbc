// sem_signal: a thread's futex wait (sem_wait) that only a signal handler's
// sem_post ends. Under dmvx the signal interrupts an unsynced call, which
// must not leave the followers waiting for ever.
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sem_t sem;

static void on_alrm(int sig) {
	(void)sig;
	sem_post(&sem);
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	sigemptyset(&sa.sa_mask);
	if (sem_init(&sem, 0, 0) != 0 || sigaction(SIGALRM, &sa, NULL) != 0) {
		perror("setup");
		return 1;
	}
	alarm(1);
	while (sem_wait(&sem) != 0)
		;
	printf("woken by the handler's sem_post\n");
	return 0;
}
