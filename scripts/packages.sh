# shellcheck shell=bash
# Sourced by the build, release, test and matrix scripts: the Debian packages a step needs.
#
#   need_packages PKG[:ARCH]...          install the missing ones (apt-get, as root)
#   fetch_package_file PKG:ARCH FILE DEST
#                                        copy FILE (e.g. bin/busybox) out of Debian's package
#                                        PKG:ARCH to DEST, without installing the package
#
# A package of another architecture (musl-dev:arm64, busybox-static:arm64) first adds that
# architecture to dpkg (`dpkg --add-architecture`) and refreshes the package lists. Without root,
# both say what is missing and fail.

# add_architecture ARCH: dpkg knows ARCH (native or foreign); prints "added" if it had to add it.
add_architecture() {
	[ "$1" = "$(dpkg --print-architecture)" ] && return 0
	dpkg --print-foreign-architectures | grep -qx "$1" && return 0
	[ "$(id -u)" = 0 ] || { echo "dpkg has no $1 architecture (dpkg --add-architecture $1, as root)" >&2; return 1; }
	echo "adding the $1 architecture to dpkg" >&2
	dpkg --add-architecture "$1" && echo added
}

need_packages() {
	local missing=() p refresh=''
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages: ${missing[*]} (apt-get install them, or run as root)" >&2
		return 1
	fi
	for p in "${missing[@]}"; do
		case $p in *:*) refresh+=$(add_architecture "${p#*:}") || return 1 ;; esac
	done
	echo "installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$refresh" ] || ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
		apt-get update -q >/dev/null || true
		apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
			{ echo "apt-get install ${missing[*]} failed" >&2; return 1; }
	fi
}

fetch_package_file() {
	local spec=$1 member=$2 dest=$3 refresh tmp deb
	refresh=$(add_architecture "${spec#*:}") || return 1
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/iter-deb.XXXXXX")
	# apt-get download writes as root into a directory _apt cannot enter: say so, no warning.
	if [ -n "$refresh" ] || ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null 2>&1); then
		apt-get update -q >/dev/null || true
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null) ||
			{ echo "apt-get download $spec failed" >&2; rm -rf "$tmp"; return 1; }
	fi
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
	dpkg-deb -x "$deb" "$tmp/root" && [ -f "$tmp/root/$member" ] ||
		{ echo "$spec has no $member" >&2; rm -rf "$tmp"; return 1; }
	mkdir -p "$(dirname "$dest")"
	install -m 0755 "$tmp/root/$member" "$dest.new" && mv "$dest.new" "$dest"
	echo "$(basename "$deb"): $member -> $dest" >&2
	rm -rf "$tmp"
}
