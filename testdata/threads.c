// threads runs 4 pthreads that each sum a range and bump a mutex-protected
// counter; main joins them and prints the results in a fixed order.
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define PER_THREAD 100000L
#define BUMPS 1000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

struct job {
	long lo, hi, sum;
};

static void *work(void *arg) {
	struct job *j = arg;
	for (long i = j->lo; i < j->hi; i++)
		j->sum += i;
	for (int i = 0; i < BUMPS; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int main(void) {
	pthread_t th[NTHREADS];
	struct job jobs[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct job){.lo = i * PER_THREAD, .hi = (i + 1) * PER_THREAD};
		if (pthread_create(&th[i], NULL, work, &jobs[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	long total = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		printf("thread %d: sum[%ld, %ld) = %ld\n", i, jobs[i].lo, jobs[i].hi, jobs[i].sum);
		total += jobs[i].sum;
	}
	printf("total = %ld\n", total);
	printf("counter = %ld (want %d)\n", counter, NTHREADS * BUMPS);
	return counter == NTHREADS * BUMPS ? 0 : 1;
}
