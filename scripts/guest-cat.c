// SPDX-License-Identifier: GPL-2.0
/*
 * cat FILE, for the reader's live test (scripts/guest-payload-reader.sh): the `all` file read just
 * before and just after the reader's own reads by a process that, like the reader, is a static
 * program sharing nothing with the processes compared but the vDSO page every process maps.
 * Read by the shell itself (no new process), `all` differs from what the reader saw in the pss of
 * every process that has the vDSO page mapped: the reader maps it once more. By a fraction of a
 * kB with 4 KiB pages, lost in the rounding; by a whole kB with 16 KiB pages (arm64-16k).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return 1;
	return n < 0;
}
