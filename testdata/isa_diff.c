/*
 * isa_diff: a program that really behaves differently on arm64 than on
 * amd64, the way a bug or an exploit specific to one instruction set
 * would: it reports which it runs on, and on arm64 alone it also opens a
 * file the amd64 build never touches. Under dmvx with an amd64 leader and
 * an arm64 follower the write of the first line diverges.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
#if defined(__aarch64__)
	static const char isa[] = "running on arm64\n";
	int fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0)
		close(fd);
#else
	static const char isa[] = "running on amd64\n";
#endif
	if (write(1, isa, sizeof(isa) - 1) < 0)
		return 1;
	return 0;
}
