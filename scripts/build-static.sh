#!/usr/bin/env bash
# Builds the release iter as one fully static, stripped executable in Embedded Swift mode (no Swift
# runtime to install: the binary runs from an initramfs). Prints the path of the binary.
#
#   scripts/build-static.sh [--arch x86_64|aarch64] [--libc glibc|musl] [--out PATH]
#       --arch    default: this machine's (uname -m); amd64 and arm64 are accepted too
#       --libc    default: glibc
#       output    this machine's architecture: .build-static/iter (glibc), .build-musl/iter (musl);
#                 another one: .build-static-ARCH/iter, .build-musl-ARCH/iter
#
# Each Swift module is compiled once, whole-module, to LLVM bitcode (-Osize); the link optimises
# the whole program at once (full LTO with lld: code no module uses is dropped, identical
# specialisations made in several modules are merged) and outlines repeated instruction
# sequences. Objects go to a scratch directory of their own (ITER_SCRATCH, default
# .build-embedded and .build-musl-embedded, with -ARCH for another architecture); a module is
# recompiled only when one of its sources or a module it imports changed. The modules, their
# sources and their order come from `swift package describe` (the closure of the `iter` target).
#
# musl: the Swift modules see musl's headers instead of glibc's (plus the kernel's UAPI headers,
# which musl-gcc's include path leaves out), the C parts are compiled with musl-gcc, and musl
# 1.2.3's missing arc4random_buf (String hashing seeds from it) is provided on getrandom(2).
#
# aarch64 (cross-built on x86_64): Embedded Swift's only aarch64 standard library is for
# aarch64-none-none-elf, so the Swift modules are compiled for that triple, with the importer
# pointed at the aarch64 libc headers and told it is on Linux (-D__linux__ ...); bitcode from
# that triple and C objects for aarch64-linux-gnu are linked by the toolchain's clang
# (--target=aarch64-linux-gnu, lld, full LTO) against Debian's cross glibc (gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross) or Debian's aarch64 musl (musl-dev:arm64). The kernel UAPI headers are
# linux-libc-dev's (the same linux/*.h the x86_64 build sees, with linux-libc-dev:arm64's asm/).
# Missing Debian packages are installed with apt-get when run as root (scripts/packages.sh).
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")/.."
. scripts/packages.sh
host=$(uname -m)
arch=$host
libc=glibc
out=
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=${2:?}; shift 2 ;;
	--libc) libc=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	*) echo "usage: $0 [--arch x86_64|aarch64] [--libc glibc|musl] [--out PATH]" >&2; exit 2 ;;
	esac
done
case $arch in
amd64 | x86_64) arch=x86_64 debarch=amd64 ;;
arm64 | aarch64) arch=aarch64 debarch=arm64 ;;
*) echo "$0: --arch is x86_64 or aarch64" >&2; exit 2 ;;
esac
case $libc in glibc | musl) ;; *) echo "$0: --libc is glibc or musl" >&2; exit 2 ;; esac
# This machine's architecture keeps the paths everything else expects (.build-static/iter).
suffix=
[ "$arch" = "$host" ] || suffix=-$arch
case $libc in
glibc) scratch=${ITER_SCRATCH:-.build-embedded$suffix}; out=${out:-.build-static$suffix/iter} ;;
musl) scratch=${ITER_SCRATCH:-.build-musl-embedded$suffix}; out=${out:-.build-musl$suffix/iter} ;;
esac

swiftc=${SWIFTC:-$(command -v swiftc)}
toolchain=$(dirname "$(dirname "$swiftc")")
clang=$toolchain/bin/clang
triple=$arch-linux-gnu
cross=
[ "$arch" = "$host" ] || cross=1
case $arch in
x86_64) swift_target=x86_64-unknown-linux-gnu ;;
# The one aarch64 triple Embedded Swift has a standard library for.
aarch64) swift_target=aarch64-none-none-elf ;;
esac
[ -z "$cross" ] || [ "$host" = x86_64 ] || { echo "$0: cross builds are made on x86_64 (this is $host)" >&2; exit 1; }
embedded_lib=$toolchain/lib/swift/embedded/$swift_target
[ -e "$embedded_lib/libswiftUnicodeDataTables.a" ] ||
	{ echo "$0: $embedded_lib/libswiftUnicodeDataTables.a not found (Swift 6.3 toolchain?)" >&2; exit 1; }

# What each build needs from Debian.
packages=()
[ -z "$cross" ] || packages+=("gcc-$triple" "libc6-dev-$debarch-cross" "binutils-$triple" "linux-libc-dev:$debarch")
[ "$libc" = glibc ] || packages+=("musl-dev:$debarch")
[ ${#packages[@]} = 0 ] || need_packages "${packages[@]}" || exit 1
if [ -n "$cross" ]; then
	gcc=$triple-gcc
	strip=$triple-strip
	libc_include=/usr/$triple/include
else
	gcc=gcc
	strip=strip
	libc_include=
fi

# The package's modules: the Swift and C targets the `iter` executable depends on, in dependency
# order (a target after everything it imports), read from `swift package describe`.
command -v python3 >/dev/null || { echo "$0: needs python3 (to read swift package describe)" >&2; exit 1; }
describe=$("$toolchain/bin/swift" package --scratch-path "$scratch/package" describe --type json) ||
	{ echo "$0: swift package describe failed" >&2; exit 1; }
# One line per target: KIND NAME PATH DEPENDENCIES(comma-separated, transitive) SOURCES...
mapfile -t targets < <(python3 -c '
import json, sys
targets = {t["name"]: t for t in json.load(sys.stdin)["targets"]}
order, seen = [], set()
def visit(name):
    if name in seen:
        return
    seen.add(name)
    for dep in targets[name].get("target_dependencies", []):
        visit(dep)
    order.append(name)
visit("iter")
closure = {}
for name in order:
    deps = set()
    for dep in targets[name].get("target_dependencies", []):
        deps |= {dep} | closure[dep]
    closure[name] = deps
for name in order:
    t = targets[name]
    kind = {"SwiftTarget": "swift", "ClangTarget": "c"}[t["module_type"]]
    if t["type"] == "executable":
        kind += "-main"
    deps = ",".join(d for d in order if d in closure[name] and targets[d]["module_type"] == "SwiftTarget")
    print(kind, name, t["path"], deps or "-", *sorted(t["sources"]))
' <<<"$describe")
[ ${#targets[@]} -gt 0 ] || { echo "$0: no targets read from swift package describe" >&2; exit 1; }

mkdir -p "$scratch/modules" "$scratch/objects"
scratch=$(cd "$scratch" && pwd)
: >"$scratch/modules/module.modulemap"
c_includes=() c_include_dirs=()
for line in "${targets[@]}"; do
	read -r kind name path _ <<<"$line"
	[ "$kind" = c ] || continue
	if [ -e "$path/include/$name.h" ]; then entry="header \"$PWD/$path/include/$name.h\""; else entry="umbrella \"$PWD/$path/include\""; fi
	printf 'module %s {\n    %s\n    export *\n}\n' "$name" "$entry" >>"$scratch/modules/module.modulemap"
	c_includes+=(-I "$path/include")
	c_include_dirs+=("$path/include")
done

swift_flags=(-enable-experimental-feature Embedded -target "$swift_target" -Osize -wmo -parse-as-library
	-DITER_STATIC -package-name iter -lto=llvm-full -I "$scratch/modules" -Xcc "-fmodule-map-file=$scratch/modules/module.modulemap")

# Kernel UAPI headers, when the libc's include path does not have them (musl) or has another
# version of them (the cross glibc's linux-libc-dev-*-cross): linux/ and asm-generic/ are
# architecture-independent, asm/ is the target's (linux-libc-dev:ARCH, multiarch).
kernel_headers=
if [ "$libc" = musl ] || [ -n "$cross" ]; then
	kernel_headers=$scratch/kernel-headers
	mkdir -p "$kernel_headers"
	ln -sfn /usr/include/linux "$kernel_headers/linux"
	ln -sfn /usr/include/asm-generic "$kernel_headers/asm-generic"
	asm=/usr/include/$triple/asm
	[ -d "$asm" ] || asm=/usr/$triple/include/asm
	[ -d "$asm" ] || { echo "$0: no asm/ UAPI headers for $arch (apt-get install linux-libc-dev:$debarch)" >&2; exit 1; }
	ln -sfn "$asm" "$kernel_headers/asm"
fi
# The importer's and the C compiler's include path: builtin headers, kernel headers, libc.
c_isystem=()
if [ "$libc" = musl ]; then
	c_isystem=(-nostdlibinc -isystem "/usr/include/$arch-linux-musl" -isystem "$kernel_headers")
elif [ -n "$cross" ]; then
	c_isystem=(-nostdlibinc -isystem "$kernel_headers" -isystem "$libc_include")
fi
for flag in "${c_isystem[@]}"; do swift_flags+=(-Xcc "$flag"); done
case $swift_target in
# A bare-metal triple: tell the importer what the C headers expect of a Linux compiler.
*-none-*) for define in __linux__ __linux __gnu_linux__ linux __unix__ __unix unix; do swift_flags+=(-Xcc "-D$define"); done ;;
esac

# A module is up to date when its bitcode is newer than its sources, the C headers, this script
# and the modules it imports.
stale() {
	local object=$1; shift
	[ -e "$object" ] || return 0
	[ -n "$(find "$@" "${c_include_dirs[@]}" "$self" -newer "$object" -print -quit)" ]
}
swift_objects=()
for line in "${targets[@]}"; do
	read -r kind module path deps files <<<"$line"
	[ "$kind" = swift ] || continue
	object=$scratch/objects/$module.o
	swift_objects+=("$object")
	imported=()
	[ "$deps" = - ] || for dep in ${deps//,/ }; do imported+=("$scratch/modules/$dep.swiftmodule"); done
	stale "$object" "$path" "${imported[@]}" || continue
	echo "compiling $module ($arch, $libc)" >&2
	sources=()
	for file in $files; do sources+=("$path/$file"); done
	"$swiftc" -module-name "$module" "${swift_flags[@]}" -emit-module -emit-module-path "$scratch/modules/$module.swiftmodule" \
		-c "${sources[@]}" -o "$object" 2>&1 | { grep -v "libc not found for '$swift_target'" || true; } >&2
	[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
done

# Nothing to do when the binary is newer than every object, C source and this script (a release
# after the test builds links nothing again).
c_sources=(scripts/static/bridge-object-retain.c)
for line in "${targets[@]}"; do
	read -r kind name path deps files <<<"$line"
	case $kind in c | c-main) for file in $files; do c_sources+=("$path/$file"); done ;; esac
done
if [ -e "$out" ] && [ -z "$(find "${swift_objects[@]}" "${c_sources[@]}" "${c_include_dirs[@]}" "$self" -newer "$out" -print -quit)" ]; then
	echo "$out"
	exit 0
fi

# The C parts: the C targets' sources (the shim is header only, main calls iter_main), the runtime
# fix below, and for musl also arc4random_buf.
c_objects=()
if [ "$libc" = musl ]; then
	cc=("$arch-linux-musl-gcc" -Os -ffunction-sections -fdata-sections -isystem "$kernel_headers")
	cat >"$scratch/objects/arc4random.c" <<'EOF'
/* musl 1.2.3 has no arc4random_buf; Swift's String hashing seeds itself from it. */
#include <stddef.h>
#include <sys/random.h>
void arc4random_buf(void *buffer, size_t size) {
	unsigned char *p = buffer;
	while (size > 0) {
		ssize_t got = getrandom(p, size, 0);
		if (got <= 0) continue; /* EINTR, or the pool not ready yet: try again */
		p += got;
		size -= (size_t)got;
	}
}
EOF
	"${cc[@]}" -c "$scratch/objects/arc4random.c" -o "$scratch/objects/arc4random.c.o"
	c_objects+=("$scratch/objects/arc4random.c.o")
elif [ -n "$cross" ]; then
	cc=("$clang" -target "$triple" -Os -ffunction-sections -fdata-sections "${c_isystem[@]}")
else
	cc=("$clang" -target x86_64-unknown-linux-gnu -Os -ffunction-sections -fdata-sections)
fi
# The Embedded runtime's swift_bridgeObjectRetain(_n), made to return its argument as the compiler
# assumes (scripts/static/bridge-object-retain.c says why: it corrupts small strings on aarch64).
"${cc[@]}" -c scripts/static/bridge-object-retain.c -o "$scratch/objects/bridge-object-retain.c.o"
c_objects+=("$scratch/objects/bridge-object-retain.c.o")
# ITER_WRAP_ALLOCATOR: the shim's allocator wrappers (linked with --wrap below) and stack overflow
# handler: running out of memory or stack is an "Error: out of ..." line and exit status 244, not
# the trap Embedded Swift makes of a failed allocation, or a SIGSEGV.
for line in "${targets[@]}"; do
	read -r kind name path deps files <<<"$line"
	case $kind in c | c-main) ;; *) continue ;; esac
	for file in $files; do
		"${cc[@]}" -DITER_WRAP_ALLOCATOR "${c_includes[@]}" -c "$path/$file" -o "$scratch/objects/$name-${file//\//_}.o"
		c_objects+=("$scratch/objects/$name-${file//\//_}.o")
	done
done

link_flags=(-fuse-ld=lld -flto -static -Wl,--gc-sections -Wl,--icf=safe -Wl,-mllvm,-enable-machine-outliner
	-Wl,--build-id=none -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=posix_memalign)
libgcc=$("$gcc" -print-libgcc-file-name)
if [ -n "$cross" ]; then
	# Debian's cross glibc and gcc's crt files and libgcc for the target.
	link_flags+=(--sysroot="/usr/$triple" -B "$(dirname "$libgcc")" -L "$(dirname "$libgcc")")
fi
if [ "$libc" = musl ]; then
	musl=/usr/lib/$arch-linux-musl
	"$clang" -target "$triple" "${link_flags[@]}" -nostdlib -o "$scratch/iter" \
		"$musl/crt1.o" "$musl/crti.o" "${swift_objects[@]}" "${c_objects[@]}" \
		-L"$embedded_lib" -lswiftUnicodeDataTables "$musl/libc.a" "$libgcc" "$musl/crtn.o"
else
	"$clang" -target "$triple" "${link_flags[@]}" -o "$scratch/iter" "${swift_objects[@]}" "${c_objects[@]}" \
		-L"$embedded_lib" -lswiftUnicodeDataTables -lm
fi
mkdir -p "$(dirname "$out")"
# .comment only names the compilers (Debian strips it from packaged binaries too).
"$strip" --remove-section=.comment -o "$out" "$scratch/iter"
echo "$out"
