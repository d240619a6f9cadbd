#!/usr/bin/env bash
# Adds iter to an existing initramfs, whatever built it: appends a second (gzip'd newc) cpio
# archive holding the binary; the kernel unpacks concatenated archives in order.
#
#   scripts/initramfs-add.sh INITRD [--binary PATH] [--at /sbin/iter]
#
# The one-liner this does, for a static iter in the current directory:
#   mkdir -p s/sbin && cp iter s/sbin/ && (cd s && find . | cpio -o -H newc -R 0:0) | gzip >> INITRD
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
initrd=$1; shift
binary='' at=/sbin/iter
while [ $# -gt 0 ]; do
	case $1 in
	--binary) binary=${2:?}; shift 2 ;;
	--at) at=${2:?}; shift 2 ;;
	*) echo "initramfs-add: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -f "$initrd" ] || { echo "initramfs-add: no such file: $initrd" >&2; exit 1; }
[ -n "$binary" ] || binary=$(cd "$(dirname "$0")/.." && pwd)/$(cd "$(dirname "$0")/.." && scripts/build-static.sh)
file -b "$binary" | grep -q 'statically linked' || { echo "initramfs-add: $binary is not statically linked" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -D -m 0755 "$binary" "$stage$at"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >>"$initrd"
echo "initramfs-add: appended $at ($(stat -c %s "$binary") bytes) to $initrd ($(stat -c %s "$initrd") bytes)"
