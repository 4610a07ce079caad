#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make deb`: build the Debian packages (debian/: vmacct-dkms and vmacct) with Debian's own tooling
# (dpkg-buildpackage, dh, dh-dkms) in the build root of the matrix's DKMS kernel (trixie), and check
# them with lintian. With --install, also prove the package the way a user installs it: `apt-get
# install ./vmacct-dkms_*.deb` in that root builds the module through DKMS for the root's kernel
# headers (the matrix kernel's), the module is copied out for a guest to load, and the package is
# purged again so that the root stays as provisioned.
#   deb.sh [--install]   -> build/deb/*.deb, build/deb/deb.ktap (KTAP), with --install
#                           build/KERNEL/vmacct-deb.ko
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

install=0
[ "${1:-}" = --install ] && install=1
k=$(kernels_with dkms | head -n 1)
[ -n "$k" ] || die "no kernel of scripts/kernels.txt has dkms=yes"
"$VMACCT_TOP/scripts/provision.sh" ensure "$k"
root=$("$VMACCT_TOP/scripts/provision.sh" root "$k")
rel=$("$VMACCT_TOP/scripts/provision.sh" version "$k")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$VMACCT_TOP/dkms.conf")
debver=$(sed -n '1s/^vmacct (\([^)]*\)).*/\1/p' "$VMACCT_TOP/debian/changelog")
[ "$debver" = "$ver" ] || die "debian/changelog says $debver, dkms.conf $ver: one version"
out="$VMACCT_BUILD/deb"
rm -rf "$out"
mkdir -p "$out"
in_root() { "$VMACCT_TOP/scripts/provision.sh" in-root "$k" "$@"; }

# The packaging tools, once per root (a cached root keeps them).
if ! [ -x "$root/usr/bin/dh" ] || ! [ -x "$root/usr/bin/dh_dkms" ] || ! [ -x "$root/usr/bin/lintian" ] ||
	! [ -f "$root/usr/share/doc/build-essential/copyright" ]; then
	need_root "installing debhelper, dh-dkms and lintian into the $(release_of "$k") build root"
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		build-essential debhelper dh-dkms lintian >"$out/apt.log" 2>&1 ||
		{ tail -n 20 "$out/apt.log" >&2; die "cannot install the packaging tools"; }
fi

# The source: the files git knows, as they are in the work tree (uncommitted edits included).
src="$root/tmp/vmacct-deb"
rm -rf "$src"
mkdir -p "$src/vmacct-$ver"
(cd "$VMACCT_TOP" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$src/vmacct-$ver")

. "$VMACCT_TOP/selftests/ktap_helpers.sh"
exec 3>&1 >"$out/deb.ktap"
ktap_print_header
ktap_set_plan $((3 + install))
if in_root sh -c "cd /tmp/vmacct-deb/vmacct-$ver && dpkg-buildpackage -us -uc -b" \
	>"$out/build.log" 2>&1; then
	cp "$src"/*.deb "$out/"
	ktap_test_pass "dpkg-buildpackage builds $(cd "$out" && echo ./*.deb | sed 's|\./||g')"
else
	sed 's/^/# /' "$out/build.log" | tail -n 20
	ktap_test_fail "dpkg-buildpackage builds vmacct and vmacct-dkms"
fi
# lintian: no error and no warning (info and pedantic tags are shown, not counted). One run over
# both packages (lintian's start-up is most of its time); each tag names its package. lintian
# exits 1 when it found what --fail-on names, 2 when it could not run.
debs=()
declare -A built=()
for p in vmacct vmacct-dkms; do
	deb=$(cd "$src" && echo "${p}_${ver}"_*.deb)
	[ ! -f "$src/$deb" ] || { debs+=("/tmp/vmacct-deb/$deb"); built[$p]=1; }
done
lintian_rc=2
if [ ${#debs[@]} -gt 0 ]; then
	lintian_rc=0
	in_root lintian --fail-on error,warning "${debs[@]}" >"$out/lintian.txt" 2>&1 || lintian_rc=$?
fi
[ $lintian_rc -le 1 ] || sed 's/^/# /' "$out/lintian.txt" 2>/dev/null | tail -n 20
for p in vmacct vmacct-dkms; do
	grep -E "^[A-Z]: ${p}[: ]" "$out/lintian.txt" 2>/dev/null | sed 's/^/# /' || true
	if [ $lintian_rc -le 1 ] && [ -n "${built[$p]:-}" ] && ! grep -qE "^[EW]: ${p}[: ]" "$out/lintian.txt"; then
		ktap_test_pass "lintian: no error or warning on $p"
	else
		ktap_test_fail "lintian: no error or warning on $p"
	fi
done
if [ $install = 1 ]; then
	rm -f "$VMACCT_BUILD/$k/vmacct-deb.ko"
	mkdir -p "$VMACCT_BUILD/$k"
	# A previous run's package (or the dkms-build.sh tree of the same version) would make
	# dkms refuse to add the module again.
	in_root sh -c "dpkg --purge vmacct-dkms >/dev/null 2>&1; dkms remove vmacct/$ver --all >/dev/null 2>&1
		rm -rf /usr/src/vmacct-$ver; true"
	ko=
	# (dpkg passes the environment on to the package's postinst, whose DKMS build ccache serves.)
	# shellcheck disable=SC2046 # ccache_env: words for env
	if in_root $(ccache_env "$root") DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"/tmp/vmacct-deb/vmacct-dkms_${ver}_all.deb" >"$out/install.log" 2>&1; then
		ko=$(find "$root/lib/modules/$rel/updates/dkms" -name 'vmacct.ko*' 2>/dev/null | head -n 1) || true
	fi
	if [ -n "$ko" ]; then
		case "$ko" in
		*.xz) xz -dc "$ko" >"$VMACCT_BUILD/$k/vmacct-deb.ko" ;;
		*.zst) zstd -qdc "$ko" >"$VMACCT_BUILD/$k/vmacct-deb.ko" ;;
		*) cp "$ko" "$VMACCT_BUILD/$k/vmacct-deb.ko" ;;
		esac
		ktap_test_pass "apt-get install ./vmacct-dkms_${ver}_all.deb builds vmacct.ko for $rel"
	else
		sed 's/^/# /' "$out/install.log" | tail -n 20
		ktap_test_fail "apt-get install ./vmacct-dkms_${ver}_all.deb builds vmacct.ko for $rel"
	fi
	in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q vmacct-dkms >>"$out/install.log" 2>&1 ||
		echo "# purging vmacct-dkms from the build root failed: see $out/install.log"
fi
exec 1>&3 3>&-
cat "$out/deb.ktap"
rm -rf "$src"
! grep -q '^not ok' "$out/deb.ktap"
