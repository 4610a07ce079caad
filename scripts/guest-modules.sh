#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copy kernel modules and their dependencies (per modules.dep) into an initramfs tree.
#   guest-modules.sh SRC_MODULES_DIR DEST_MODULES_DIR NAME...
# Modules the kernel has built in, or does not have at all, are simply skipped.
set -euo pipefail
src=$1 dest=$2
shift 2
[ -f "$src/modules.dep" ] || exit 0
declare -A seen=()
add() {
	local path=$1 dep
	[ -n "${seen[$path]:-}" ] && return 0
	seen[$path]=1
	mkdir -p "$dest/$(dirname "$path")"
	cp "$src/$path" "$dest/$path"
	# shellcheck disable=SC2013 # modules.dep's paths hold no blanks
	for dep in $(awk -v m="$path:" '$1 == m { $1 = ""; print }' "$src/modules.dep"); do
		add "$dep"
	done
}
for name in "$@"; do
	path=$(awk -F: -v n="/$name.ko" 'index($1, n) { print $1; exit }' "$src/modules.dep")
	[ -n "$path" ] && add "$path"
done
cp "$src"/modules.dep "$src"/modules.alias "$src"/modules.builtin "$dest/" 2>/dev/null || true
# busybox modprobe reads uncompressed modules only on some versions: decompress here.
find "$dest" -name '*.ko.xz' -exec xz -d {} + 2>/dev/null || true
find "$dest" -name '*.ko.zst' -exec zstd -q -d --rm {} + 2>/dev/null || true
sed -i 's/\.ko\.\(xz\|zst\)/.ko/g' "$dest/modules.dep" 2>/dev/null || true
