#!/usr/bin/env bash
# Builds the release: the four static binaries, a Debian package per architecture, SHA256SUMS.
#
#   scripts/release.sh [--out DIR] [--no-lintian]
#
# DIR (default dist/) receives:
#   iter-x86_64-glibc  iter-x86_64-musl  iter-aarch64-glibc  iter-aarch64-musl
#   iter_VERSION_amd64.deb  iter_VERSION_arm64.deb
#   SHA256SUMS          (sha256sum -c SHA256SUMS checks all six)
#
# Each package (dpkg-deb, no debhelper) holds the musl binary of its architecture as /usr/sbin/iter,
# the manual page iter(8), bash completion, and the initramfs-tools hook (update-initramfs then
# puts iter into the initramfs; the package activates the update-initramfs trigger). It depends on
# nothing: the binary is static. A `bpftool` link to iter is left to the admin (README.Debian).
# Then each package is checked with lintian (errors fail the release; --no-lintian skips it).
# VERSION is what `iter version` prints. Debian packages are installed with apt-get when missing
# (as root). Maintainer: $DEBFULLNAME <$DEBEMAIL> when set, else the last commit's author.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
out=dist lintian=1
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	--no-lintian) lintian=''; shift ;;
	*) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
need_packages dpkg-dev file ${lintian:+lintian} || exit 1
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- the four binaries (each build is incremental: scripts/build-static.sh) ----
for arch in x86_64 aarch64; do
	for libc in glibc musl; do
		echo "release: building $arch $libc" >&2
		built=$(scripts/build-static.sh --arch "$arch" --libc "$libc")
		cp "$built" "$out/iter-$arch-$libc"
		printf 'release: %-20s %9s bytes  %s\n' "iter-$arch-$libc" "$(stat -c %s "$out/iter-$arch-$libc")" \
			"$(file -b "$out/iter-$arch-$libc" | cut -d, -f1-2,4)" >&2
	done
done

# The version, from the binary of this machine (`iter -j version`).
host=$(uname -m)
version=$("$out/iter-$host-musl" -j version | sed -n 's/^{"version":"\([^"]*\)".*/\1/p')
[ -n "$version" ] || { echo "release: cannot read the version from iter-$host-musl -j version" >&2; exit 1; }
if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
	maintainer="$DEBFULLNAME <$DEBEMAIL>"
else
	maintainer=$(git log -1 --format='%an <%ae>' 2>/dev/null || true)
	[ -n "$maintainer" ] || { echo "release: set DEBFULLNAME and DEBEMAIL (no git history to take a maintainer from)" >&2; exit 1; }
fi
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
# Reproducible: every file of the packages dated like the last commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# ---- Debian packages ----
debs=()
for arch in x86_64 aarch64; do
	case $arch in x86_64) debarch=amd64 ;; aarch64) debarch=arm64 ;; esac
	stage=$(mktemp -d "${TMPDIR:-/tmp}/iter-deb.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	root=$stage/root
	doc=$root/usr/share/doc/iter
	install -D -m 0755 "$out/iter-$arch-musl" "$root/usr/sbin/iter"
	install -d "$root/usr/share/man/man8"
	gzip -9n <doc/iter.8 >"$root/usr/share/man/man8/iter.8.gz"
	install -D -m 0644 completion/iter.bash "$root/usr/share/bash-completion/completions/iter"
	install -d "$root/usr/share/initramfs-tools/hooks"
	sed "s|@SBIN@|/usr/sbin|" contrib/initramfs-tools/hooks/iter >"$root/usr/share/initramfs-tools/hooks/iter"
	chmod 0755 "$root/usr/share/initramfs-tools/hooks/iter"
	install -d "$doc"
	cat >"$doc/copyright" <<EOF
iter: BPF iterators without libbpf (a replacement for \`bpftool iter\`).

Copyright: the iter authors.

License: not declared by the iter sources yet; see the project's repository.

/usr/sbin/iter is statically linked with musl (Copyright 2005-2020 Rich Felker, et al.),
which is distributed under the MIT license; see /usr/share/doc/musl/copyright on a system
with the musl package installed, or https://musl.libc.org/.
EOF
	cat >"$doc/README.Debian" <<'EOF'
iter for Debian
===============

/usr/sbin/iter is one static binary (musl); the package depends on nothing.

bpftool compatibility: installed or linked under the name `bpftool`, iter accepts
`bpftool [OPTIONS] iter pin ...` and `bpftool iter help`, so scripts written for bpftool's
iterator commands keep working. The package does not create that link, since the bpftool
package owns the name. Where bpftool is not installed:

    ln -s /usr/sbin/iter /usr/local/sbin/bpftool

initramfs: /usr/share/initramfs-tools/hooks/iter copies iter into every initramfs that
initramfs-tools builds, as /sbin/iter (update-initramfs -u after installing).
EOF
	{
		printf 'iter (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Release %s: static %s binary (musl), manual page, bash completion,\n' "$version" "$arch"
		printf '    initramfs-tools hook.\n\n'
		printf ' -- %s  %s\n' "$maintainer" "$date"
	} | gzip -9n >"$doc/changelog.gz"
	install -d "$root/usr/share/lintian/overrides"
	# A static binary is the point of this package; the hook runs in update-initramfs, not at install.
	printf 'iter: statically-linked-binary [usr/sbin/iter]\n' >"$root/usr/share/lintian/overrides/iter"
	chmod -R u=rwX,go=rX "$root"
	chmod 0755 "$root/usr/sbin/iter" "$root/usr/share/initramfs-tools/hooks/iter"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

	install -d "$root/DEBIAN"
	built_using=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' "musl-dev:$debarch")
	cat >"$root/DEBIAN/control" <<EOF
Package: iter
Version: $version
Architecture: $debarch
Maintainer: $maintainer
Installed-Size: $(du -k -s --exclude=DEBIAN "$root" | cut -f1)
Built-Using: $built_using
Section: admin
Priority: optional
Description: create, pin and read BPF iterators, without libbpf
 iter creates BPF iterators the way \`bpftool iter\` does: it reads a
 clang-compiled BPF object with its own ELF and BTF parsers, relocates it
 against the running kernel's BTF (CO-RE) and calls bpf(2) directly, with no
 libbpf, libelf or zlib.
 .
 This package holds one static binary (musl), for minimal systems and
 initramfs images, with its manual page, bash completion and an
 initramfs-tools hook. It works on kernels from 5.10 on with BTF
 (/sys/kernel/btf/vmlinux).
EOF
	# Installing iter changes what update-initramfs puts into the initramfs.
	printf 'activate-noawait update-initramfs\n' >"$root/DEBIAN/triggers"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/triggers" "$root/DEBIAN/md5sums"
	deb=$out/iter_${version}_$debarch.deb
	dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
	rm -rf "$stage"
	trap - EXIT
	debs+=("$deb")
	echo "release: $(basename "$deb") $(stat -c %s "$deb") bytes" >&2
done

(cd "$out" && sha256sum iter-x86_64-glibc iter-x86_64-musl iter-aarch64-glibc iter-aarch64-musl \
	"$(basename "${debs[0]}")" "$(basename "${debs[1]}")" >SHA256SUMS)

status=0
if [ -n "$lintian" ]; then
	for deb in "${debs[@]}"; do
		echo "release: lintian $(basename "$deb")" >&2
		# Errors fail the release; warnings and the rest are shown.
		lintian --fail-on error --display-info "$deb" >&2 || status=1
	done
fi
ls -l "$out" >&2
cat "$out/SHA256SUMS"
exit $status
