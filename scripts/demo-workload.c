// SPDX-License-Identifier: GPL-2.0
/*
 * The demonstration workload of `make demo`: a small pre-fork server.
 * The parent fills 32 MiB of anonymous memory and 8 MiB of a memfd, maps a 4 MiB file privately
 * (nobody else maps it), then forks 3 workers. Worker i rewrites i quarters of the anonymous region
 * (copy-on-write makes those pages private), so the parent ends up with anonymous pages shared with
 * some workers — which top's SHR does not count — and file/shmem pages no other process maps — which
 * top's SHR does count. It writes its pid to the file named by argv[1] when everything is in place,
 * then waits until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024UL * 1024)
#define ANON_SIZE (32 * MIB)
#define SHMEM_SIZE (8 * MIB)
#define FILE_SIZE (4 * MIB)
#define WORKERS 3

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	int ready[2], fd, i;
	char *anon, *shm, *file;
	char buf[4096];
	FILE *out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PIDFILE DATAFILE\n", argv[0]);
		return 2;
	}
	anon = mmap(NULL, ANON_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		fail("mmap anon");
	memset(anon, 1, ANON_SIZE);
	/*
	 * What is in place stays so: khugepaged must not collapse the workers' copy-on-write pages
	 * into huge pages at some later moment (make check reads the idle workload twice and expects
	 * the same numbers). The huge pages the parent has now stay; the workers inherit the flag.
	 * A kernel without THP (Debian's PREEMPT_RT one) refuses the advice (EINVAL): nothing to do.
	 */
	if (madvise(anon, ANON_SIZE, MADV_NOHUGEPAGE) && errno != EINVAL)
		fail("madvise");

	fd = memfd_create("demo-shmem", 0);
	if (fd < 0 || ftruncate(fd, SHMEM_SIZE))
		fail("memfd");
	shm = mmap(NULL, SHMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shm == MAP_FAILED)
		fail("mmap memfd");
	memset(shm, 2, SHMEM_SIZE);

	fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail(argv[2]);
	memset(buf, 3, sizeof(buf));
	for (i = 0; i < (int)(FILE_SIZE / sizeof(buf)); i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			fail("write");
	file = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		fail("mmap file");
	for (i = 0; i < (int)FILE_SIZE; i += 4096)
		buf[0] += file[i];

	if (pipe(ready))
		fail("pipe");
	for (i = 1; i <= WORKERS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			/* Worker i writes its first i quarters of the region: those pages become private. */
			memset(anon, 4, i * (ANON_SIZE / 4));
			if (write(ready[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	for (i = 0; i < WORKERS; i++)
		if (read(ready[0], buf, 1) != 1)
			fail("read");
	out = fopen(argv[1], "w");
	if (!out)
		fail(argv[1]);
	fprintf(out, "%d\n", getpid());
	fclose(out);
	signal(SIGTERM, SIG_DFL);
	for (;;)
		pause();
}
