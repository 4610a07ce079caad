// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the reader's parsers and escapers, in KTAP. Linked with the reader's objects. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmacct.h"

static int n, failed;

static void ok(int cond, const char *name)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, name);
	failed += !cond;
}

static int top_size(const char *s, uint64_t kb, uint64_t step)
{
	uint64_t k, st;

	return !vm_top_parse_size(s, &k, &st) && k == kb && st == step;
}

static int unesc(const char *in, const char *want, size_t wlen)
{
	struct vm_bytes b;
	int r = !vm_unescape(in, strlen(in), &b) && b.len == wlen && !memcmp(b.s, want, wlen);

	if (r)
		free(b.s);
	return r;
}

static int unesc_bad(const char *in)
{
	struct vm_bytes b;

	return vm_unescape(in, strlen(in), &b) != 0;
}

static int human(int64_t kb, bool sign, const char *want)
{
	char b[32];

	vm_human(b, sizeof(b), kb, sign, false);
	return !strcmp(b, want);
}

int main(void)
{
	static const char top_out[] =
		"top - 08:48:22 up  2:45,  0 user,  load average: 2.25, 1.62, 1.60\n"
		"Tasks:   2 total,   0 running,   2 sleeping,   0 stopped,   0 zombie\n"
		"MiB Mem :  24105.1 total,  20872.3 free,   1553.0 used,   2005.1 buff/cache\n"
		"\n"
		"    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n"
		"      1 root      10 -10   39316  10328   6468 S   0.0   0.0   0:52.86 process a+\n"
		"   4242 postgres  rt   0   38.4m   1.2g   0.0g S   0.0   0.0   0:52.86 postgres\n";
	struct vm_top_row *rows;
	size_t nrows;
	char buf[32];

	printf("TAP version 13\n");
	ok(top_size("39316", 39316, 1), "top size in plain KiB");
	ok(top_size("38.4m", 39322, 102), "top size 38.4m rounds to nearest kB, step 0.1 MiB");
	ok(top_size("1.2g", 1258291, 104857), "top size 1.2g");
	ok(top_size("0.0g", 0, 104857), "top size 0.0g");
	ok(top_size("12t", 12ULL << 30, 1ULL << 30), "top size 12t, integer with suffix");
	ok(top_size("7.500m", 7680, 1), "top size with three decimals");
	ok(vm_top_parse_size("38.4x", &(uint64_t){0}, &(uint64_t){0}) == -1 &&
	   vm_top_parse_size("", &(uint64_t){0}, &(uint64_t){0}) == -1 &&
	   vm_top_parse_size("m", &(uint64_t){0}, &(uint64_t){0}) == -1 &&
	   vm_top_parse_size("1mm", &(uint64_t){0}, &(uint64_t){0}) == -1,
	   "top size rejects unknown suffix, empty, bare suffix, two suffixes");
	ok(!vm_top_parse(top_out, &rows, &nrows) && nrows == 2 && rows[0].pid == 1 &&
	   rows[0].virt == 39316 && rows[0].res == 10328 && rows[0].shr == 6468 &&
	   rows[1].pid == 4242 && rows[1].virt == 39322 && rows[1].res == 1258291 &&
	   rows[1].shr == 0, "top output: task header found by name, rows parsed");
	free(rows);
	ok(vm_top_parse("PID USER VIRT RES\n1 root 1 2\n", &rows, &nrows) == -1,
	   "top output without SHR is rejected");
	ok(vm_top_parse("no header here\n", &rows, &nrows) == -1, "top output without header");
	ok(unesc("a\\040b\\134c", "a b\\c", 5), "unescape space and backslash");
	ok(unesc("\\377\\377", "\xff\xff", 2), "unescape 0xff bytes");
	ok(unesc("new\\012line", "new\nline", 8), "unescape newline");
	ok(unesc("", "", 0), "unescape empty comm");
	ok(unesc_bad("a\\04") && unesc_bad("a\\400") && unesc_bad("a\\x41") && unesc_bad("a b") &&
	   unesc_bad("tab\there"), "unescape rejects truncated, out-of-range, non-octal, raw blank");
	ok(vm_utf8_seq((const unsigned char *)"\xc3\xa9", 2) == 2 &&
	   vm_utf8_seq((const unsigned char *)"\xc0\xaf", 2) == 0 &&
	   vm_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3) == 0 &&
	   vm_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4) == 0 &&
	   vm_utf8_seq((const unsigned char *)"\xe2\x82", 2) == 0 &&
	   vm_utf8_seq((const unsigned char *)"\xff", 1) == 0,
	   "utf8: valid 2-byte, rejects overlong, surrogate, > U+10FFFF, truncated, 0xff");
	ok(human(0, false, "0K") && human(1023, false, "1023K") && human(1024, false, "1.0M"),
	   "human sizes below and at 1 MiB");
	ok(human(39322, false, "38.4M") && human(1048576, false, "1.0G") &&
	   human(1048525, false, "1.0G") && human(1048473, false, "1023.9M"),
	   "human sizes round to nearest tenth, unit switch at 1024");
	ok(human(-393208, true, "-384.0M") && human(776, true, "+776K") && human(0, true, "0K"),
	   "signed human sizes");
	vm_human(buf, sizeof(buf), 16777216, false, true);
	ok(!strcmp(buf, "16777216"), "-k prints exact kB");
	ok(vm_sort_key("pss") == VF_PSS && vm_sort_key("RES") == VF_TOP_RES &&
	   vm_sort_key("shr_error") == VS_SHR_ERROR && vm_sort_key("bogus") == -1,
	   "sort keys: field names and top's column names");
	ok(vm_sort_key("PSS") == VF_PSS && vm_sort_key("Anon_Shared") == VF_ANON_SHARED &&
	   vm_sort_key("SHR_ERR") == VS_SHR_ERROR && vm_sort_key("CmdLine") == VS_CMDLINE &&
	   vm_sort_key("COMMAND") == VS_COMM && vm_sort_key("KSM") == VF_KSM,
	   "sort keys and column names: any case, the table's names (SHR_ERR, COMMAND)");
	{
		uint64_t f[VF_NR] = { 0 };
		struct vm_verdict v;

		f[VF_TOP_SHR] = 3407880;
		f[VF_SHARED] = 3801088;
		f[VF_FILE_PRIVATE] = 65536;
		f[VF_SHMEM_PRIVATE] = 65536;
		f[VF_ANON_SHARED] = 524288;
		vm_verdict(f, &v);
		ok(v.error == -393208 && v.drift == 8, "verdict: error and counter drift");
	}
	{
		struct vm_map m = { 0 };

		m.f[VF_FILE_PRIVATE] = 3;
		m.f[VF_SHMEM_PRIVATE] = 4;
		m.f[VF_ANON_SHARED] = 10;
		ok(vm_map_error(&m) == -3, "per-mapping SHR error");
	}
	{
		/*
		 * include/vmacct_fields.h: fields are appended, so no VMACCT_ROW field may follow a
		 * VMACCT_PROC one (maps rows would print it before the VMACCT_ROW_LAST columns).
		 */
		static const int scope[] = {
#define VMACCT_FIELD(id, name, scope) scope,
#include "vmacct_fields.h"
		};
		bool proc_seen = false, order_ok = true;
		size_t i;

		for (i = 0; i < sizeof(scope) / sizeof(*scope); i++) {
			order_ok &= !(proc_seen && scope[i] == VMACCT_ROW);
			proc_seen |= scope[i] == VMACCT_PROC;
		}
		ok(order_ok && sizeof(scope) / sizeof(*scope) == VF_NR,
		   "field list: every VMACCT_ROW field precedes the VMACCT_PROC ones");
		ok(vm_field_in_maps(VF_MAPPED) && vm_field_in_maps(VF_HUGETLB) &&
		   !vm_field_in_maps(VF_TOP_VIRT) && !vm_field_in_maps(VF_TOP_SHR) &&
		   !vm_field_in_maps(-1) && !vm_field_in_maps(VF_NR), "maps rows: which fields");
	}
	{
		/*
		 * passwd(5) fields split at every ':': an empty password field (busybox's adduser
		 * writes them) must not shift the uid column.
		 */
		char path[] = "/tmp/vmacct-unit-passwd.XXXXXX", b[64];
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

		if (f) {
			fputs("root:x:0:0:root:/root:/bin/sh\nalice::1000:100::/home/alice:/bin/sh\n"
			      "broken\n:x:7:7::/:/bin/sh\nbob:x:1001:1001::/:/bin/sh\n", f);
			fclose(f);
		}
		ok(f && vm_passwd_name(path, 1000, b, sizeof(b)) && !strcmp(b, "alice") &&
		   !vm_passwd_name(path, 100, b, sizeof(b)) &&
		   vm_passwd_name(path, 1001, b, sizeof(b)) && !strcmp(b, "bob") &&
		   !vm_passwd_name(path, 7, b, sizeof(b)),
		   "passwd: an empty password field does not shift the uid (alice::1000:100)");
		unlink(path);
		unsetenv("VMACCT_PASSWD");
		ok(!strcmp(vm_user_name(0, b, sizeof(b)), "root") &&
		   vm_user_name(0, b, sizeof(b)) == vm_user_name(0, b, sizeof(b)),
		   "user names: uid 0 is root (getpwuid, or /etc/passwd in the static build), looked up once");
	}
	printf("1..%d\n# %d failed\n", n, failed);
	return failed ? 1 : 0;
}
