// stat_file reads a file's metadata 50 times, then says whether it exists.
// stat_a and stat_b are built with different paths (PATH): run as two
// --variant builds, their newfstatat calls differ. The calls are not
// sensitive, so a leader may make them ahead of a follower on another host,
// which then finds the difference itself (asynchronous replication).
#include <stdio.h>
#include <sys/stat.h>

#ifndef PATH
#error "build with -DPATH='\"/some/file\"'"
#endif

int main(void) {
	struct stat st;
	int found = 0;
	for (int i = 0; i < 50; i++)
		found += stat("/etc/hostname", &st) == 0;
	found += stat(PATH, &st) == 0;
	printf("%d found\n", found);
	return 0;
}
