/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numeric fields of vmacct's debugfs files, in contract order: the one list that the module's
 * formatter (module/format.c), the reader (tools/) and the selftests expand. README.md defines
 * each field ("The numbers") and the files ("The debugfs files"). Macros only, no includes and no
 * types: kernel code and user space include this same file.
 *
 * An X-macro file, as arch/x86/include/asm/kvm-x86-ops.h is: define VMACCT_FIELD(id, name, scope),
 * then include this file; it expands VMACCT_FIELD once per field and undefines it, so the next
 * expansion includes it again. (A #define'd list would be one macro of many statements, which
 * checkpatch.pl --strict refuses.) Included without VMACCT_FIELD, it only defines the scopes.
 *
 * VMACCT_FIELD(id, name, scope): id names the field in C (F_id in the module, VF_id in the reader
 * and the selftests); name is how the files print it (stringify it with #name, never expanded);
 * scope says where it is printed:
 *   VMACCT_ROW       in <pid>, `all` and every maps/<pid> row
 *   VMACCT_ROW_LAST  the same, but in maps/<pid> rows after every VMACCT_ROW field
 *   VMACCT_PROC      in <pid> and `all` only: the process has it, a mapping does not
 *
 * The rule: <pid> and `all` print every field in list order. A maps/<pid> row prints the
 * VMACCT_ROW fields in list order, then the VMACCT_ROW_LAST fields in list order, then the path.
 *
 * The files only ever gain fields at the end, so a new field is appended to this list, never
 * inserted. A new field that also exists per mapping is VMACCT_ROW_LAST: maps rows then print it
 * after the last one there, just before the path. No VMACCT_ROW field may follow a
 * VMACCT_PROC one (the reader's unit test checks): it would move columns of maps rows.
 */
#ifndef VMACCT_FIELDS_SCOPES
#define VMACCT_FIELDS_SCOPES
#define VMACCT_PROC		0
#define VMACCT_ROW		1
#define VMACCT_ROW_LAST		2
#endif /* VMACCT_FIELDS_SCOPES */

#ifdef VMACCT_FIELD
VMACCT_FIELD(MAPPED,		mapped,		VMACCT_ROW_LAST)
VMACCT_FIELD(RESIDENT,		resident,	VMACCT_ROW)
VMACCT_FIELD(SHARED,		shared,		VMACCT_ROW)
VMACCT_FIELD(PRIVATE,		private,	VMACCT_ROW)
VMACCT_FIELD(PSS,		pss,		VMACCT_ROW)
VMACCT_FIELD(ANON_SHARED,	anon_shared,	VMACCT_ROW)
VMACCT_FIELD(ANON_PRIVATE,	anon_private,	VMACCT_ROW)
VMACCT_FIELD(FILE_SHARED,	file_shared,	VMACCT_ROW)
VMACCT_FIELD(FILE_PRIVATE,	file_private,	VMACCT_ROW)
VMACCT_FIELD(SHMEM_SHARED,	shmem_shared,	VMACCT_ROW)
VMACCT_FIELD(SHMEM_PRIVATE,	shmem_private,	VMACCT_ROW)
VMACCT_FIELD(SWAP,		swap,		VMACCT_ROW)
VMACCT_FIELD(ZERO,		zero,		VMACCT_ROW)
VMACCT_FIELD(THP,		thp,		VMACCT_ROW)
VMACCT_FIELD(HUGETLB,		hugetlb,	VMACCT_ROW)
VMACCT_FIELD(TOP_VIRT,		top_virt,	VMACCT_PROC)
VMACCT_FIELD(TOP_RES,		top_res,	VMACCT_PROC)
VMACCT_FIELD(TOP_SHR,		top_shr,	VMACCT_PROC)
VMACCT_FIELD(PRIVATE_DIRTY,	private_dirty,	VMACCT_ROW_LAST)
VMACCT_FIELD(SHARED_DIRTY,	shared_dirty,	VMACCT_ROW_LAST)
VMACCT_FIELD(KSM,		ksm,		VMACCT_ROW_LAST)
#undef VMACCT_FIELD
#endif /* VMACCT_FIELD */

/*
 * The fields of a group's row (the `users` and `comms` files), in order, all in kB; the same rule:
 * appended, never inserted. VMACCT_GROUP_FIELD(id, name): F_GROUP_id in the module, VG_id in user
 * space. README.md defines them ("The numbers of a group").
 */
#ifdef VMACCT_GROUP_FIELD
VMACCT_GROUP_FIELD(RESIDENT,		resident)
VMACCT_GROUP_FIELD(UNIQUE,		unique)
VMACCT_GROUP_FIELD(SHARED_OUT,		shared_out)
VMACCT_GROUP_FIELD(PSS,			pss)
VMACCT_GROUP_FIELD(SWAP,		swap)
VMACCT_GROUP_FIELD(ANON_UNIQUE,		anon_unique)
VMACCT_GROUP_FIELD(ANON_SHARED_OUT,	anon_shared_out)
VMACCT_GROUP_FIELD(FILE_UNIQUE,		file_unique)
VMACCT_GROUP_FIELD(FILE_SHARED_OUT,	file_shared_out)
VMACCT_GROUP_FIELD(SHMEM_UNIQUE,	shmem_unique)
VMACCT_GROUP_FIELD(SHMEM_SHARED_OUT,	shmem_shared_out)
#undef VMACCT_GROUP_FIELD
#endif /* VMACCT_GROUP_FIELD */
