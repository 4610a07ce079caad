// SPDX-License-Identifier: GPL-2.0
/*
 * Host-only, not a kselftest program: runs the selftests' parsers (vmacct_util.c) over debugfs
 * files recorded from a guest (the reader's fixtures, tools/tests/fixtures/guest-*) and over
 * malformed input. `make check` builds it with AddressSanitizer and UBSan. The recording is one
 * idle guest, so its files agree with each other exactly: `all` rows equal the `<pid>` files, the
 * maps/<pid> rows add up to them (pss within 1 kB per row), and every summary keeps the
 * invariants shared + private = resident = the six anon/file/shmem fields.
 *
 *   vmacct_util_fixtures DIR[:PID]...
 *
 * PID: the recording shell, which ran a command between its reads of `all` and of its own file;
 * its `all` row is not compared with its `<pid>` file (everything else of it is).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vmacct_util.h"

static int n, failed;

static void result(int ok, const char *fmt, const char *arg)
{
	printf("%sok %d - ", ok ? "" : "not ", ++n);
	printf(fmt, arg);
	printf("\n");
	failed += !ok;
}

static char *slurp(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return read_file(path, NULL);
}

/* The invariants of one summary; 0 when they hold. */
static int invariants(const struct vmacct_counts *c)
{
	uint64_t six = c->v[VF_ANON_SHARED] + c->v[VF_ANON_PRIVATE] + c->v[VF_FILE_SHARED] +
		       c->v[VF_FILE_PRIVATE] + c->v[VF_SHMEM_SHARED] + c->v[VF_SHMEM_PRIVATE];

	return c->v[VF_SHARED] + c->v[VF_PRIVATE] != c->v[VF_RESIDENT] || six != c->v[VF_RESIDENT];
}

/* One recorded directory: 0 when everything in it parses and agrees. */
static int check_dir(const char *dir, int changing)
{
	struct vmacct_counts *all, *rows, sum, pid_summary;
	char *text = slurp(dir, "all"), name[64];
	int nall, nrows, i, j, f, bad = 0, checked = 0;

	if (!text)
		return 1;
	nall = vmacct_parse_table(text, &all);
	free(text);
	if (nall <= 0)
		return 1;
	for (i = 0; i < nall; i++) {
		snprintf(name, sizeof(name), "%d", all[i].pid);
		text = slurp(dir, name);
		if (!text)
			continue;	/* only some processes were recorded in full */
		if (vmacct_parse_summary(text, &pid_summary) || invariants(&pid_summary) ||
		    strcmp(pid_summary.name, all[i].name)) {
			printf("# %s/%s: unparsable, inconsistent or a different comm\n", dir, name);
			bad++;
		}
		free(text);
		if (all[i].pid != changing)
			bad += vmacct_diff(name, &all[i], &pid_summary);
		snprintf(name, sizeof(name), "maps/%d", all[i].pid);
		text = slurp(dir, name);
		if (!text)
			continue;
		nrows = vmacct_parse_table(text, &rows);
		free(text);
		if (nrows <= 0) {
			printf("# %s/%s: no rows\n", dir, name);
			bad++;
			continue;
		}
		memset(&sum, 0, sizeof(sum));
		for (j = 0; j < nrows; j++)
			for (f = VF_MAPPED; f <= VF_HUGETLB; f++)
				sum.v[f] += rows[j].v[f];
		for (f = VF_MAPPED; f <= VF_HUGETLB; f++) {
			uint64_t slack = f == VF_PSS ? (uint64_t)nrows : 0;

			if (sum.v[f] > pid_summary.v[f] + slack || sum.v[f] + slack < pid_summary.v[f]) {
				printf("# %s: %s rows add up to %llu, summary %llu\n", name,
				       vmacct_field_names[f], (unsigned long long)sum.v[f],
				       (unsigned long long)pid_summary.v[f]);
				bad++;
			}
		}
		free(rows);
		checked++;
	}
	free(all);
	printf("# %s: %d processes in all, %d recorded in full\n", dir, nall, checked);
	return bad || !checked;
}

int main(int argc, char **argv)
{
	struct vmacct_counts c, *rows;
	char bad_table[] = "pid mapped\n1 2\n", long_row[] = "# pid mapped\n1 2 3\n";
	char short_row[] = "# pid mapped comm\n1 2\n";
	int i;

	printf("TAP version 13\n1..%d\n", argc - 1 + 4);
	for (i = 1; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		int changing = colon ? atoi(colon + 1) : 0;

		if (colon)
			*colon = '\0';
		result(!check_dir(argv[i], changing), "%s: all, <pid> and maps/<pid> parse and agree",
		       argv[i]);
	}
	result(vmacct_parse_table(bad_table, &rows) == -EPROTO, "%s", "a table without header is refused");
	result(vmacct_parse_table(long_row, &rows) == -EPROTO, "%s", "a row with an extra column is refused");
	result(vmacct_parse_table(short_row, &rows) == -EPROTO, "%s", "a row with a missing column is refused");
	result(vmacct_parse_summary("comm: x\nmapped: 4 kB\n", &c) == -EINVAL, "%s",
	       "a summary without pid is refused");
	return failed ? 1 : 0;
}
