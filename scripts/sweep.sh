#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make sweep`: every Debian kernel from the matrix's oldest to the newest in backports, one small
# guest each: W=1 build, the module basics and every selftest (the cross-check included) at the
# debug kernel's sizes but 5 reloads and 10 s of new fuzz seeds (no replay), no reader, and the
# scan for kernel reports.
#   sweep.sh                     the sweep
#   sweep.sh --list              only the kernels it would sweep, with their release strings
#   sweep.sh [--list] SERIES...  only those series (e.g. 6.16 7.3), in series order: a new kernel
#                                tried alone before the whole sweep
# The kernels: the matrix's Debian images outside backports (scripts/kernels.txt: image deb, the
# arch's own flavour, the backports row's arch: 6.1, 6.12, 7.2), then the newest generic kernel of
# every other series that the backports suite of the table's backports row carries (6.16 ... 7.3),
# found with apt-cache at run time (the backports row itself for its own series). Those are not
# rows of the matrix: the sweep gives the scripts a table of its own (VMACCT_KERNEL_TABLE) with a
# row sweep-SERIES for each, in a build root of its own (roots/RELEASE-sweep, a copy of the
# backports root, where it installs each one's headers: the matrix's roots stay as they are).
# Their images are cached as kernels/sweep-SERIES. The backports index lists only the newest
# series' headers (it still lists every series' image); the others' come from the archive's pool
# (pool_install), and so, from 6.19 on, do their images' linux-modules (image_debs), downloaded
# once into the cache's pool/. A series whose headers neither the index nor the pool has cannot be
# built: its row says so (no-headers) and counts as skipped.
# Output under $VMACCT_BUILD/sweep; ends with one table and the line "N passed, N failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

list=0 only=()
for a in "$@"; do
	case "$a" in
	--list) list=1 ;;
	[0-9]*.[0-9]*) only+=("$a") ;;
	*) die "usage: sweep.sh [--list] [SERIES...]" ;;
	esac
done
S=$VMACCT_BUILD/sweep
prov=$VMACCT_TOP/scripts/provision.sh
mkdir -p "$S"
"$VMACCT_TOP/scripts/host-deps.sh" || exit 1

# The matrix's rows this sweep boots, and its backports row (the newest generic one).
matrix=() bpo=
for k in $VMACCT_ALL_KERNELS; do
	[ "$(kernel_field "$k" image)" = deb ] || continue
	case "$(kernel_field "$k" flavour)" in '' | -) ;; *) continue ;; esac
	case "$(release_of "$k")" in
	*-backports) bpo=$k ;;
	*) matrix+=("$k") ;;
	esac
done
[ -n "$bpo" ] || die "no backports row (release *-backports) in scripts/kernels.txt"
arch=$(kernel_field "$bpo" arch)
# Only the backports row's architecture: the series are that arch's, and the matrix's rows of
# another (arm64-6.12, arm64-7.2) are cross-built kernels that make check covers.
mapfile -t matrix < <(for k in "${matrix[@]}"; do
	if [ "$(kernel_field "$k" arch)" = "$arch" ]; then echo "$k"; fi
done)
sweep_rel=$(release_of "$bpo")-sweep
sweep_root=$VMACCT_CACHE/roots/$sweep_rel

# The sweep's table: the matrix's rows, then one row per extra kernel (every column no or -, except
# those named here). Written again as kernels are added.
table=$S/kernels.txt
table_rows=()
write_table() {
	local hdr line k c v
	hdr=$(awk '/^#/ || NF == 0 { next } { print; exit }' "$VMACCT_KERNEL_TABLE")
	{
		grep -vE '^#|^[[:space:]]*$' "$VMACCT_KERNEL_TABLE"
		for k in ${table_rows[@]+"${table_rows[@]}"}; do
			line=
			for c in $hdr; do
				case "$c" in
				kernel) v=$k ;;
				release) v=$sweep_rel ;;
				series) v=${k#sweep-} ;;
				image) v=deb ;;
				compiler) v=$(kernel_field "$bpo" compiler) ;;
				arch) v=$arch ;;
				flavour) v=- ;;
				payload) v=small ;;
				*) v=no ;;
				esac
				line="$line $v"
			done
			echo "$line"
		done
	} >"$table.tmp"
	mv "$table.tmp" "$table"
}
table_rows=(sweep-root)
write_table
export VMACCT_KERNEL_TABLE=$table VMACCT_BUILD=$S

# The sweep's root, a copy of the backports row's, with the archive's lists of now.
"$prov" ensure-root "$bpo" || die "cannot provision the $bpo build root"
if [ ! -f "$sweep_root/.vmacct-ok" ]; then
	note "making the sweep's build root $sweep_rel (a copy of $(release_of "$bpo"))"
	rm -rf "$sweep_root.tmp"
	cp -a "$("$prov" root "$bpo")" "$sweep_root.tmp" || die "cannot copy the $bpo build root"
	mv "$sweep_root.tmp" "$sweep_root"
fi
"$prov" in-root sweep-root apt-get update -q >"$S/apt-update.log" 2>&1 ||
	die "apt-get update in $sweep_root failed (log: $S/apt-update.log)"

# Every series' newest generic image from backports (a Version with ~bpo), as series and release.
series_of() {
	local major minor
	IFS=. read -r major minor _ <<<"$1"
	echo "$major.$minor"
}
mapfile -t images < <("$prov" in-root sweep-root apt-cache search --names-only "^linux-image-[0-9]" |
	awk '{ print $1 }' | grep -E "^linux-image-[0-9][^-]*-$arch\$")
mapfile -t bpo_rels < <("$prov" in-root sweep-root apt-cache show --no-all-versions "${images[@]}" |
	awk '/^Package:/ { p = $2 }
		/^Version:/ && $2 ~ /~bpo/ { sub(/^linux-image-/, "", p); print p, $2 }' |
	sort -V)
# newest[SERIES]: its release string; image_version[RELEASE]: its image's Version, which is also
# the Version of its headers (one source package), for the pool's file names.
declare -A newest=() image_version=()
for rv in ${bpo_rels[@]+"${bpo_rels[@]}"}; do
	read -r r v <<<"$rv"
	newest[$(series_of "$r")]=$r image_version[$r]=$v
done

# The pool. The backports index lists only its newest series' headers, though still every series'
# image; the archive's pool keeps the older series' headers under Debian's file names,
# pool/main/l/linux/PACKAGE_VERSION_ARCH.deb (the headers' source package is linux; a pool file
# name has no epoch). Downloaded from the mirror of this machine's apt configuration into the cache,
# once: a later sweep finds them there.
pool=$VMACCT_CACHE/pool
# pool_fetch PACKAGE VERSION: print the path of PACKAGE's .deb (the arch's or arch all), downloaded
# unless cached. Exit 2: the pool does not have it; 1: it could not be downloaded or is not that
# package.
pool_fetch() {
	local pkg=$1 ver=${2#*:} a f url
	mkdir -p "$pool" || return 1
	for a in "$arch" all; do
		f=$pool/${pkg}_${ver}_$a.deb
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	for a in "$arch" all; do
		f=$pool/${pkg}_${ver}_$a.deb
		url=$(debian_mirror)/pool/main/l/linux/${f##*/}
		# apt's own downloader, with apt's settings (a proxy, if any). As root it cannot hand the
		# file to its unprivileged _apt user here; it says so and downloads as root.
		if ! /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$url" "$f.part" \
			>"$f.log" 2>&1; then
			rm -f "$f.part"
			# A 404 for the arch's name: try arch all; for both, the pool has no such package.
			grep -q ' 404 ' "$f.log" && { rm -f "$f.log"; continue; }
			cat "$f.log" >&2
			rm -f "$f.log"
			return 1
		fi
		rm -f "$f.log"
		# A .deb, and the package and version asked for (not an error page saved as one).
		if ! dpkg-deb --info "$f.part" >/dev/null ||
			[ "$(dpkg-deb -f "$f.part" Package Version | tr '\n' ' ')" != \
				"Package: $pkg Version: $2 " ]; then
			note "pool: ${f##*/} is not a .deb of $pkg $2"
			rm -f "$f.part"
			return 1
		fi
		mv "$f.part" "$f"
		note "pool: downloaded ${f##*/}"
		echo "$f"
		return 0
	done
	return 2
}
# pool_install KERNEL RELEASE: linux-headers-RELEASE from the pool into the sweep's root, with the
# packages of its kernel ABI it depends on (its -common headers and linux-kbuild; from 6.18 on, its
# linux-base-RELEASE), each fetched by pool_fetch. They are unpacked (dpkg-deb -x), not installed:
# 6.16's and 6.17's headers depend on their image (linux-image-RELEASE, 170 MB), which apt would
# install with initramfs-tools, udev and systemd, and which the build does not read (the guest
# boots the image fetch_kernel caches). Their other dependencies (the compiler, pahole, python3...)
# are installed from the index with apt-get satisfy. Exit 2: the pool does not have the headers.
pool_install() {
	local k=$1 rel=$2 ver=${image_version[$2]} abi=${2%-"$arch"} done_mark queue pkg f grp
	local seen=' ' deps=() debs=()
	done_mark=$sweep_root/var/lib/vmacct-pool/$rel
	[ -f "$done_mark" ] && return 0
	queue=("linux-headers-$rel")
	while [ ${#queue[@]} -gt 0 ]; do
		pkg=${queue[0]}
		queue=("${queue[@]:1}")
		[[ "$seen" = *" $pkg "* ]] && continue
		seen="$seen$pkg "
		f=$(pool_fetch "$pkg" "$ver") || return
		debs+=("$f")
		# One Depends group (alternatives with |) a line, the last one too (the field does not
		# end with a comma).
		while IFS= read -r grp; do
			case "$grp" in
			'' | *"linux-image-$rel"*) ;;
			*"$abi"*) queue+=("${grp%% *}") ;;
			*) deps+=("$grp") ;;
			esac
		done < <({
			dpkg-deb -f "$f" Depends | tr '\n' ' ' | tr ',' '\n'
			echo
		} | sed 's/^ *//; s/ *$//')
	done
	if [ ${#deps[@]} -gt 0 ]; then
		"$prov" in-root "$k" env DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -q \
			--no-install-recommends "$(IFS=,; echo "${deps[*]}")" || return 1
	fi
	for f in "${debs[@]}"; do
		note "pool: unpacking ${f##*/}"
		dpkg-deb -x "$f" "$sweep_root" || return 1
	done
	# Every link of the headers' top directories leads somewhere (scripts and tools lead into
	# linux-kbuild): a package left out shows here, not as a build that cannot start.
	f=$("$prov" in-root "$k" find -L "/usr/src/linux-headers-$rel" \
		"/usr/src/linux-headers-$abi-common" -maxdepth 1 -type l)
	[ -z "$f" ] || { note "pool: links that lead nowhere: $f"; return 1; }
	mkdir -p "${done_mark%/*}" && touch "$done_mark"
}
# in_index KERNEL PACKAGE: the index lists PACKAGE. (apt-cache show exits 0, printing nothing, for
# a name only a dependency names, as linux-image-6.19's names linux-modules-6.19.)
in_index() {
	[ -n "$("$prov" in-root "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
		sed -n '/^Package:/p')" ]
}
# image_debs KERNEL RELEASE: the .debs, from the pool, of the image's packages that the index does
# not list, one path per line. From 6.19 on linux-image-RELEASE only depends on linux-binary-RELEASE
# (the signed image, listed) and linux-modules-RELEASE (unlisted, like the headers).
image_debs() {
	local k=$1 rel=$2 p
	for p in $("$prov" in-root "$k" apt-cache show --no-all-versions "linux-image-$rel" |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		awk -v r="$rel" '$1 == "linux-binary-" r || $1 == "linux-modules-" r { print $1 }'); do
		in_index "$k" "$p" && continue
		pool_fetch "$p" "${image_version[$rel]}" || return
	done
}
# headers_source KERNEL RELEASE: where the series' headers come from, index or pool (pool_fetch's
# exit status otherwise: 2 neither has them).
headers_source() {
	if in_index "$1" "linux-headers-$2"; then
		echo index
	else
		pool_fetch "linux-headers-$2" "${image_version[$2]}" >/dev/null || return
		echo pool
	fi
}

declare -A in_matrix=()
for k in "${matrix[@]}"; do in_matrix[$(kernel_field "$k" series)]=1; done
kernels=("${matrix[@]}")
for s in $(printf '%s\n' "${!newest[@]}" | sort -V); do
	[ -n "${in_matrix[$s]:-}" ] && continue
	# The backports row itself where it is this series' newest (its image is cached already).
	if [ "$(kernel_field "$bpo" series)" = "$s" ]; then
		kernels+=("$bpo")
		continue
	fi
	kernels+=("sweep-$s")
	table_rows+=("sweep-$s")
done
write_table
# In series order, the matrix's among the others.
mapfile -t kernels < <(for k in "${kernels[@]}"; do echo "$(kernel_field "$k" series) $k"; done |
	sort -V -k1,1 | cut -d' ' -f2)
# Only the series asked for (one new kernel tried alone before the whole sweep).
if [ ${#only[@]} -gt 0 ]; then
	all_series=$(for k in "${kernels[@]}"; do kernel_field "$k" series; done | paste -sd ' ')
	for s in "${only[@]}"; do
		[[ " $all_series " = *" $s "* ]] || die "no series $s in the sweep (it has: $all_series)"
	done
	mapfile -t kernels < <(for k in "${kernels[@]}"; do
		for s in "${only[@]}"; do [ "$(kernel_field "$k" series)" = "$s" ] && echo "$k"; done
	done)
fi
note "sweep: ${kernels[*]}"
if [ "$list" = 1 ]; then
	for k in "${kernels[@]}"; do
		if [ "${k#sweep-}" != "$k" ]; then
			rel=${newest[${k#sweep-}]}
			src=$(headers_source "$k" "$rel")
			case $? in
			0)
				how=
				if [ "$src" = pool ]; then how=' (headers from the pool)'; fi
				echo "${k#sweep-} $rel$how"
				;;
			2) echo "${k#sweep-} $rel (no linux-headers-$rel in the index nor in the pool)" ;;
			*) echo "${k#sweep-} $rel (the pool could not be asked for linux-headers-$rel)" ;;
			esac
		else
			echo "$k $("$prov" version "$k" 2>/dev/null || echo '(not provisioned yet)')"
		fi
	done
	exit 0
fi

# The selftests, built once as make check builds them.
rm -rf "$S/selftests"
ksft=$("$VMACCT_TOP/scripts/kernel-source.sh" "$VMACCT_DEFAULT_KERNEL")/tools/testing/selftests
if ! make -s -C "$VMACCT_TOP/selftests" OUTPUT="$S/selftests" KSFT_DIR="$ksft" >"$S/selftests-build.log" 2>&1; then
	tail -n 30 "$S/selftests-build.log"
	die "the selftests do not build (log: $S/selftests-build.log)"
fi
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$VMACCT_TOP/dkms.conf")

total_p=0 total_f=0 total_s=0
rows=()
add_row() { # kernel release build passed failed skipped seconds [note]
	rows+=("$(printf '%-12s %-26s %-12s %6s %6s %7s %6ss' "${@:1:7}")${8:+  $8}")
	total_p=$((total_p + $4)) total_f=$((total_f + $5)) total_s=$((total_s + $6))
}

# One kernel: provision, W=1 build, one guest; sets rel, build, p, f, s and why (the row's note).
sweep_kernel() {
	local k=$1 kp kf ks payload log src rc idebs
	rel=- build=no p=0 f=0 s=0 why=
	mkdir -p "$S/$k"
	if [ "${k#sweep-}" = "$k" ]; then
		"$prov" ensure "$k" || { f=1; return; }
	else
		rel=${newest[${k#sweep-}]}
		src=$(headers_source "$k" "$rel")
		rc=$?
		case $rc in
		0) ;;
		2)
			build=no-headers s=1 why="no linux-headers-$rel in the index nor in the pool"
			return
			;;
		*)
			f=1 why="the pool could not be asked for linux-headers-$rel"
			return
			;;
		esac
		if [ "$src" = index ]; then
			"$prov" in-root "$k" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends "linux-headers-$rel" >"$S/$k/headers.log" 2>&1
		else
			why="headers from the pool"
			pool_install "$k" "$rel" >"$S/$k/headers.log" 2>&1
		fi
		rc=$?
		if [ "$rc" != 0 ]; then
			tail -n 20 "$S/$k/headers.log"
			f=1 why="its headers could not be installed (log: $S/$k/headers.log)"
			return
		fi
		# The image's packages the index lacks (none once the image is cached).
		idebs=()
		if [ "$("$prov" version "$k" 2>/dev/null)" != "$rel" ]; then
			src=$(image_debs "$k" "$rel") || {
				f=1 why="its image's packages the index lacks could not be had from the pool"
				return
			}
			[ -z "$src" ] || mapfile -t idebs <<<"$src"
		fi
		"$prov" fetch "$k" "$rel" ${idebs[@]+"${idebs[@]}"} || { f=1; return; }
	fi
	rel=$("$prov" version "$k")
	if ! "$VMACCT_TOP/scripts/build-module.sh" "$k" W=1; then
		f=1
		return
	fi
	if grep -E 'warning:' "$S/$k/build.log"; then
		build=warnings f=1
	else
		build=ok p=1
	fi
	payload=$S/$k/payload.sh
	# make check's small rows' sizes.
	local gib vmas cycles mib fuzz torture syscalls
	read -r gib vmas cycles mib fuzz _ torture syscalls < <(payload_sizes small)
	{
		echo "EXPECTED_VERSION='$version'"
		echo "BOUNDS_GIB=$gib"
		echo "MANY_VMAS=$vmas"
		echo "LIFECYCLE_CYCLES=$cycles"
		echo "STATES_MIB=$mib"
		echo "FUZZ_SECONDS=$fuzz"
		echo "TORTURE_SECONDS=$torture"
		echo "SYSCALLS_SECONDS=$syscalls"
		echo "FUZZ_SEED=1"
		echo "FUZZ_REPLAY=0"
		echo "NO_READER='make sweep: the reader is tested by make check'"
		echo "TESTS=''"
		cat "$VMACCT_TOP/scripts/guest-payload-check.sh"
	} >"$payload"
	log=$S/$k/console.log
	# As in make check: 3 GiB, the 1 GiB hugetlb page reserved at boot (scripts/check.sh says
	# why: allocated at run time it tripped the soft-lockup detector on 6.12 in this sweep); a
	# wide timeout for a loaded machine.
	if "$VMACCT_TOP/scripts/guest.sh" --mem 3G --append "hugepagesz=1G hugepages=1" \
		--timeout 2400 "$k" "$payload"; then
		p=$((p + 1))
	else
		f=$((f + 1))
	fi
	grep -vE '^(dmesg: |\[ *[0-9]+\.[0-9]+\])' "$log" | grep -E '^ *not ok ' | sed "s/^/  $k: /"
	read -r kp kf ks < <("$VMACCT_TOP/scripts/ktap-count.sh" "$log")
	[ "$((kp + kf + ks))" -gt 0 ] || kf=1
	p=$((p + kp)) f=$((f + kf)) s=$((s + ks))
}

for k in "${kernels[@]}"; do
	note "=== sweep: $k ==="
	t0=$SECONDS
	sweep_kernel "$k"
	name=$k
	if [ "${k#sweep-}" != "$k" ]; then name=${k#sweep-}; fi
	add_row "$name" "$rel" "$build" "$p" "$f" "$s" $((SECONDS - t0)) "$why"
	note "sweep: $k: $rel build $build, $p passed, $f failed, $s skipped, $((SECONDS - t0)) s"
done

echo
printf '%-12s %-26s %-12s %6s %6s %7s %7s\n' kernel release build passed failed skipped time
printf '%s\n' "${rows[@]}"
echo
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
