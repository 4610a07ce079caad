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

/* smaps text with what the fuzzer relies on: names with blanks, keys that are not kB, a rollup. */
static int check_smaps_parse(void)
{
	char text[] =
		"7f0000000000-7f0000200000 rw-s 00400000 00:01 1234                       "
		"/memfd:x (deleted)\n"
		"Size:               2048 kB\n"
		"Rss:                   8 kB\n"
		"Shared_Dirty:          4 kB\n"
		"THPeligible:    0\n"
		"VmFlags: rd wr sh mr mw me ms sd\n"
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
		"Rss:                  12 kB\n"
		"KSM:                   0 kB\n"
		"7f1000000000-7f1000001000 ---p 00000000 00:00 0 \n"
		"Rss:                   0 kB\n";
	struct smaps_vma *v;
	uint64_t x = 0;
	int n = smaps_parse(text, &v), bad = 0;

	if (n != 3)
		return 1;
	bad |= v[0].start != 0x7f0000000000UL || strcmp(v[0].perms, "rw-s");
	bad |= v[0].offset != 0x400000;
	bad |= strcmp(v[0].name, "/memfd:x (deleted)") || smaps_get(&v[0], "Size", &x) || x != 2048;
	bad |= !smaps_get(&v[0], "THPeligible", &x) || !smaps_get(&v[0], "KSM", &x);
	bad |= strcmp(v[1].name, "[stack]") || smaps_get(&v[1], "KSM", &x) || x != 0;
	bad |= v[2].name[0] != 0 || smaps_set(&v[2], "statm_size", 7);
	bad |= smaps_get(&v[2], "statm_size", &x) || x != 7;
	free(v);
	return bad;
}

/* Fields appended to the format after enum vmacct_field: kept by name, as are perms and offset. */
static int check_appended_fields(void)
{
	char table[] = "# start-end perms offset resident swap_pss mapped path\n"
		       "1000-3000 r-xp 0000a000 8 3 8 /bin/x\n";
	struct vmacct_counts c, *rows;
	uint64_t x = 0;
	int bad = 0;

	if (vmacct_parse_table(table, &rows) != 1)
		return 1;
	bad |= strcmp(rows[0].perms, "r-xp") || rows[0].offset != 0xa000;
	bad |= vmacct_counts_get(&rows[0], "swap_pss", &x) || x != 3;
	bad |= vmacct_counts_get(&rows[0], "resident", &x) || x != 8;
	bad |= !vmacct_counts_get(&rows[0], "ksm", &x);
	free(rows);
	bad |= vmacct_parse_summary("pid: 5\ncomm: x\nresident: 4 kB\nksm: 12 kB\n", &c) ||
	       vmacct_counts_get(&c, "ksm", &x) || x != 12;
	return bad;
}

/* Malformed tables and summaries: refused, not read as zeros. Each returns nonzero on failure. */
static int check_headerless_table(void)
{
	char text[] = "pid mapped\n1 2\n";
	struct vmacct_counts *rows;

	return vmacct_parse_table(text, &rows) != -EPROTO;
}

static int check_long_row(void)
{
	char text[] = "# pid mapped\n1 2 3\n";
	struct vmacct_counts *rows;

	return vmacct_parse_table(text, &rows) != -EPROTO;
}

static int check_short_row(void)
{
	char text[] = "# pid mapped comm\n1 2\n";
	struct vmacct_counts *rows;

	return vmacct_parse_table(text, &rows) != -EPROTO;
}

static int check_summary_without_pid(void)
{
	struct vmacct_counts c;

	return vmacct_parse_summary("comm: x\nmapped: 4 kB\n", &c) != -EINVAL;
}

static int check_garbled_number_in_row(void)
{
	char text[] = "# pid mapped comm\n1 2x init\n";
	struct vmacct_counts *rows;

	return vmacct_parse_table(text, &rows) != -EPROTO;
}

static int check_garbled_range(void)
{
	char text[] = "# start-end perms offset mapped path\n1000-zz rw-p 00000000 4 [anon]\n";
	struct vmacct_counts *rows;

	return vmacct_parse_table(text, &rows) != -EPROTO;
}

static int check_garbled_summary(void)
{
	struct vmacct_counts c;

	return vmacct_parse_summary("pid: 1\ncomm: x\nmapped: 4 kB\npss: many kB\n", &c) !=
	       -EPROTO ||
	       vmacct_parse_summary("pid: 1x\ncomm: x\n", &c) != -EPROTO ||
	       vmacct_parse_summary("pid: 1\ncomm: x\nmapped: -4 kB\n", &c) != -EPROTO ||
	       vmacct_parse_summary("pid: 1\ncomm: x\nmapped 4 kB\n", &c) != -EPROTO;
}

/* One result each after the recorded directories: the plan counts this table. */
static const struct {
	const char *name;
	int (*check)(void);
} checks[] = {
	{ "a table without header is refused", check_headerless_table },
	{ "a row with an extra column is refused", check_long_row },
	{ "a row with a missing column is refused", check_short_row },
	{ "a summary without pid is refused", check_summary_without_pid },
	{ "a table row with a garbled number is refused", check_garbled_number_in_row },
	{ "a maps row with a garbled address range is refused", check_garbled_range },
	{ "a summary with a garbled number or line is refused", check_garbled_summary },
	{ "smaps: names with blanks, every kB key, no other", check_smaps_parse },
	{ "fields appended to the format are kept by name", check_appended_fields },
};

int main(int argc, char **argv)
{
	unsigned int j;
	int i;

	printf("TAP version 13\n1..%d\n", argc - 1 + (int)ARRAY_SIZE(checks));
	for (i = 1; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		int changing = colon ? atoi(colon + 1) : 0;

		if (colon)
			*colon = '\0';
		result(!check_dir(argv[i], changing), "%s: all, <pid> and maps/<pid> parse and agree",
		       argv[i]);
	}
	for (j = 0; j < ARRAY_SIZE(checks); j++)
		result(!checks[j].check(), "%s", checks[j].name);
	return failed ? 1 : 0;
}
