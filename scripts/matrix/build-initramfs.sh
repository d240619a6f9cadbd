#!/usr/bin/env bash
# build-initramfs.sh --iter PATH --out FILE [--fixtures DIR] [--kconfig DIR] [--busybox PATH]
#
# Builds a gzip'd newc cpio holding only: /init (guest/init), static busybox with a symlink per
# applet in /bin, /bin/iter (the static binary PATH), /fixtures/*.o (from DIR), and the guest test
# suite in /matrix (lib.sh, suite.sh). Prints the image size.
# --busybox: a static busybox of the guest's architecture (default: this machine's /bin/busybox
# from busybox-static); one of another architecture lists its applets under qemu-user.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
iter='' fixtures='' out='' kconfig='' busybox=''
while [ $# -gt 0 ]; do
  case $1 in
    --iter) iter=$2; shift 2 ;;
    --fixtures) fixtures=$2; shift 2 ;;
    --kconfig) kconfig=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --busybox) busybox=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-initramfs: unknown argument $1" >&2; exit 2 ;;
  esac
done
{ [ -n "$iter" ] && [ -n "$out" ]; } || { echo "usage: $0 --iter PATH --out FILE [--fixtures DIR] [--kconfig DIR] [--busybox PATH]" >&2; exit 2; }
[ -f "$iter" ] || { echo "build-initramfs: no such file: $iter" >&2; exit 1; }
[ -z "$fixtures" ] || [ -d "$fixtures" ] || { echo "build-initramfs: no such directory: $fixtures" >&2; exit 1; }

# `file`, not ldd: ldd cannot tell about a binary of another architecture.
is_static() { LC_ALL=C file -b "$1" | grep -q 'statically linked'; }
machine() { LC_ALL=C file -b "$1" | sed -n 's/^ELF 64-bit LSB executable, \([^,]*\),.*/\1/p'; }

if [ -z "$busybox" ]; then
  busybox=/bin/busybox
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
    { echo "build-initramfs: busybox-static is not installed" >&2; exit 1; }
fi
[ -f "$busybox" ] || { echo "build-initramfs: no such file: $busybox" >&2; exit 1; }
is_static "$busybox" || { echo "build-initramfs: $busybox is not static" >&2; exit 1; }
is_static "$iter" || { echo "build-initramfs: $iter is dynamically linked; the guest has no libraries" >&2; exit 1; }
[ "$(machine "$iter")" = "$(machine "$busybox")" ] ||
  { echo "build-initramfs: $iter ($(machine "$iter")) and $busybox ($(machine "$busybox")) are for different machines" >&2; exit 1; }
# busybox --list, under qemu-user when busybox is for another machine.
bb_run=()
case $(machine "$busybox") in
  *aarch64*) [ "$(uname -m)" = aarch64 ] || bb_run=(qemu-aarch64-static) ;;
  *x86-64*) [ "$(uname -m)" = x86_64 ] || bb_run=(qemu-x86_64-static) ;;
esac
applets=$("${bb_run[@]}" "$busybox" --list) || { echo "build-initramfs: $busybox --list failed" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/iter-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,tmp,fixtures,matrix}
install -m 0755 "$busybox" "$stage/bin/busybox"
for applet in $applets; do
  [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
install -m 0755 "$here/guest/init" "$stage/init"
install -m 0644 "$here/guest/lib.sh" "$here/guest/suite.sh" "$stage/matrix/"
n=0
if [ -n "$fixtures" ]; then
  for o in "$fixtures"/*.o; do
    [ -e "$o" ] || continue
    install -m 0644 "$o" "$stage/fixtures/"
    n=$((n + 1))
  done
fi
# The kernels' configs (test data for __kconfig externs: Debian kernels have no /proc/config.gz).
if [ -n "$kconfig" ]; then
  mkdir -p "$stage/fixtures/kconfig"
  for c in "$kconfig"/config-*; do
    [ -e "$c" ] && install -m 0644 "$c" "$stage/fixtures/kconfig/"
  done
fi
# An initial console for the kernel to open before /init mounts devtmpfs (needs root; /init
# reopens /dev/console after mounting devtmpfs anyway).
mknod -m 0600 "$stage/dev/console" c 5 1 2>/dev/null || true

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
# iter goes in the way users add it to their own initramfs: appended as a second archive.
"$here/../initramfs-add.sh" "$out.tmp" --binary "$iter" --at /bin/iter >&2
mv "$out.tmp" "$out"
echo "initramfs: $out, $(stat -c %s "$out") bytes ($(du -k "$out" | cut -f1) KiB; busybox $(wc -w <<<"$applets") applets, iter $(stat -c %s "$iter") bytes, $n fixtures)"
