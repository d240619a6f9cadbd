#!/usr/bin/env bash
# Builds the release iter as one fully static executable in Embedded Swift mode (no Swift runtime
# to install: the binary runs from an initramfs). Prints the path of the stripped binary.
#
#   scripts/build-static.sh [--out PATH]      default: .build-static/iter
#
# Embedded builds use their own scratch path: sharing .build with ordinary builds would recompile
# everything on each switch.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-static/iter
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	*) echo "usage: $0 [--out PATH]" >&2; exit 2 ;;
	esac
done
swift=${SWIFT:-swift}
embedded_lib=$(dirname "$(dirname "$(command -v "$swift")")")/lib/swift/embedded/x86_64-unknown-linux-gnu
"$swift" build -c release --product iter --scratch-path .build-embedded \
	-Xswiftc -enable-experimental-feature -Xswiftc Embedded -Xswiftc -wmo -Xswiftc -Osize \
	-Xswiftc -DITER_STATIC \
	-Xswiftc -Xclang-linker -Xswiftc -static \
	-Xlinker -L"$embedded_lib" -Xlinker -lswiftUnicodeDataTables -Xlinker -lm -Xlinker --gc-sections >&2
mkdir -p "$(dirname "$out")"
strip -o "$out" .build-embedded/release/iter
echo "$out"
