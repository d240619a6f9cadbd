#!/usr/bin/env bash
# Installs iter: the static binary, the manual page and bash completion.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--binary PATH] [--initramfs-hook]
#
#   --prefix DIR        install under DIR (default /usr/local): sbin/iter, share/man/man8/iter.8,
#                       share/bash-completion/completions/iter
#   --destdir DIR       stage into DIR (packaging); files land in DIR/PREFIX/...
#   --binary PATH       install this binary instead of building the static one
#   --initramfs-hook    also install the initramfs-tools hook (DESTDIR/etc/initramfs-tools/hooks/iter),
#                       so update-initramfs puts iter into the initramfs
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local destdir='' binary='' hook=''
while [ $# -gt 0 ]; do
	case $1 in
	--prefix) prefix=${2:?}; shift 2 ;;
	--destdir) destdir=${2:?}; shift 2 ;;
	--binary) binary=${2:?}; shift 2 ;;
	--initramfs-hook) hook=1; shift ;;
	*) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
[ -n "$binary" ] || binary=$(scripts/build-static.sh)
root=$destdir$prefix
install -D -m 0755 "$binary" "$root/sbin/iter"
install -D -m 0644 doc/iter.8 "$root/share/man/man8/iter.8"
install -D -m 0644 completion/iter.bash "$root/share/bash-completion/completions/iter"
echo "installed $root/sbin/iter, $root/share/man/man8/iter.8, $root/share/bash-completion/completions/iter"
if [ -n "$hook" ]; then
	hooks=$destdir/etc/initramfs-tools/hooks
	install -d "$hooks"
	sed "s|@SBIN@|$prefix/sbin|" contrib/initramfs-tools/hooks/iter >"$hooks/iter"
	chmod 0755 "$hooks/iter"
	echo "installed $hooks/iter (then: update-initramfs -u)"
fi
