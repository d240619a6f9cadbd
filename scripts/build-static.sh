#!/usr/bin/env bash
# Builds the release iter as one fully static, stripped executable in Embedded Swift mode (no Swift
# runtime to install: the binary runs from an initramfs). Prints the path of the binary.
#
#   scripts/build-static.sh [--libc glibc|musl] [--out PATH]
#       glibc (default): .build-static/iter        musl: .build-musl/iter (scripts/build-musl.sh)
#
# Each Swift module is compiled once, whole-module, to LLVM bitcode (-Osize); the link optimises
# the whole program at once (full LTO with lld: code no module uses is dropped, identical
# specialisations made in several modules are merged) and outlines repeated instruction
# sequences. Objects go to a scratch directory of their own (ITER_SCRATCH, default
# .build-embedded for glibc and .build-musl for musl); a module is recompiled only when one of
# its sources or a module it imports changed.
#
# musl: the Swift modules see musl's headers instead of glibc's (plus the kernel's UAPI headers,
# which musl-gcc's include path leaves out), the C parts are compiled with musl-gcc, and musl
# 1.2.3's missing arc4random_buf (String hashing seeds from it) is provided on getrandom(2).
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")/.."
libc=glibc
out=
while [ $# -gt 0 ]; do
	case $1 in
	--libc) libc=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	*) echo "usage: $0 [--libc glibc|musl] [--out PATH]" >&2; exit 2 ;;
	esac
done
case $libc in
glibc) scratch=${ITER_SCRATCH:-.build-embedded}; out=${out:-.build-static/iter} ;;
musl) scratch=${ITER_SCRATCH:-.build-musl-embedded}; out=${out:-.build-musl/iter} ;;
*) echo "$0: --libc is glibc or musl" >&2; exit 2 ;;
esac

swiftc=${SWIFTC:-$(command -v swiftc)}
toolchain=$(dirname "$(dirname "$swiftc")")
clang=$toolchain/bin/clang
embedded_lib=$toolchain/lib/swift/embedded/x86_64-unknown-linux-gnu
target=x86_64-unknown-linux-gnu

# Swift modules in dependency order, each with the modules it imports (Package.swift's targets).
modules=(Bytes ELFReader BTFParser SyscallBPF Deflate BPFLoader IterCommand)
declare -A deps=(
	[Bytes]="" [ELFReader]="Bytes" [BTFParser]="Bytes" [SyscallBPF]=""
	[Deflate]="Bytes" [BPFLoader]="Bytes ELFReader BTFParser SyscallBPF Deflate" [IterCommand]="Bytes ELFReader BTFParser SyscallBPF Deflate BPFLoader"
)
for dir in Sources/*/; do
	name=$(basename "$dir")
	case $name in CLinuxBPF | iter) continue ;; esac
	[ -n "${deps[$name]+set}" ] || { echo "$0: Sources/$name is not in this script's module list" >&2; exit 1; }
done

mkdir -p "$scratch/modules" "$scratch/objects"
scratch=$(cd "$scratch" && pwd)
cat >"$scratch/modules/module.modulemap" <<EOF
module CLinuxBPF {
    header "$PWD/Sources/CLinuxBPF/include/CLinuxBPF.h"
    export *
}
EOF

swift_flags=(-enable-experimental-feature Embedded -target "$target" -Osize -wmo -parse-as-library
	-DITER_STATIC -package-name iter -lto=llvm-full -I "$scratch/modules" -Xcc "-fmodule-map-file=$scratch/modules/module.modulemap")
if [ "$libc" = musl ]; then
	command -v musl-gcc >/dev/null || { echo "$0: musl-gcc not found (apt-get install musl-tools)" >&2; exit 1; }
	mkdir -p "$scratch/kernel-headers"
	ln -sfn /usr/include/linux "$scratch/kernel-headers/linux"
	ln -sfn /usr/include/asm-generic "$scratch/kernel-headers/asm-generic"
	ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$scratch/kernel-headers/asm"
	swift_flags+=(-Xcc -nostdlibinc -Xcc -isystem -Xcc /usr/include/x86_64-linux-musl
		-Xcc -isystem -Xcc "$scratch/kernel-headers")
fi

# A module is up to date when its bitcode is newer than its sources, the C header, this script
# and the modules it imports.
stale() {
	local object=$1; shift
	[ -e "$object" ] || return 0
	[ -n "$(find "$@" Sources/CLinuxBPF/include "$self" -newer "$object" -print -quit)" ]
}
for module in "${modules[@]}"; do
	object=$scratch/objects/$module.o
	imported=()
	for dep in ${deps[$module]}; do imported+=("$scratch/modules/$dep.swiftmodule"); done
	stale "$object" "Sources/$module" "${imported[@]}" || continue
	echo "compiling $module ($libc)" >&2
	mapfile -t sources < <(find "Sources/$module" -name '*.swift' | sort)
	"$swiftc" -module-name "$module" "${swift_flags[@]}" -emit-module -emit-module-path "$scratch/modules/$module.swiftmodule" \
		-c "${sources[@]}" -o "$object" 2>&1 | { grep -v "libc not found for '$target'" || true; } >&2
	[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
done

# The C parts: the shim (header only) and main; for musl also arc4random_buf.
c_objects=()
if [ "$libc" = musl ]; then
	cc=(musl-gcc -Os -ffunction-sections -fdata-sections -isystem "$scratch/kernel-headers")
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
else
	cc=("$clang" -target "$target" -Os -ffunction-sections -fdata-sections)
fi
"${cc[@]}" -I Sources/CLinuxBPF/include -c Sources/CLinuxBPF/shim.c -o "$scratch/objects/shim.c.o"
"${cc[@]}" -c Sources/iter/main.c -o "$scratch/objects/main.c.o"
c_objects+=("$scratch/objects/shim.c.o" "$scratch/objects/main.c.o")

swift_objects=()
for module in "${modules[@]}"; do swift_objects+=("$scratch/objects/$module.o"); done
link_flags=(-fuse-ld=lld -flto -static -Wl,--gc-sections -Wl,--icf=safe -Wl,-mllvm,-enable-machine-outliner
	-Wl,--build-id=none)
if [ "$libc" = musl ]; then
	musl=/usr/lib/x86_64-linux-musl
	"$clang" -target "$target" "${link_flags[@]}" -nostdlib -o "$scratch/iter" \
		"$musl/crt1.o" "$musl/crti.o" "${swift_objects[@]}" "${c_objects[@]}" \
		-L"$embedded_lib" -lswiftUnicodeDataTables "$musl/libc.a" "$(gcc -print-libgcc-file-name)" "$musl/crtn.o"
else
	"$clang" -target "$target" "${link_flags[@]}" -o "$scratch/iter" "${swift_objects[@]}" "${c_objects[@]}" \
		-L"$embedded_lib" -lswiftUnicodeDataTables -lm
fi
mkdir -p "$(dirname "$out")"
strip -o "$out" "$scratch/iter"
echo "$out"
