#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/targets/ (one executable each) under $FUZZ_BUILD (default
# .build-fuzz, gitignored). The library modules are compiled straight from Sources/ with swiftc as
# ordinary (non-Embedded) Swift, one module at a time in dependency order, instrumented with
# -sanitize=fuzzer,address; the toolchain's swiftc has libFuzzer built in. Which modules, in which
# order, and where their sources are comes from Package.swift (scripts/modules.sh). Needs python3
# (for scripts/modules.sh); nothing else to install.
#
#   Fuzz/build.sh [TARGET...]     (default: every Fuzz/targets/*.swift)
#
# Prints the path of each executable on stdout; progress goes to stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_BUILD:-$root/.build-fuzz}
swiftc=${SWIFTC:-/opt/swift/usr/bin/swiftc}
# -O keeps every Swift runtime check (bounds, overflow, force-unwraps); Sources/ uses no assert().
flags=(-sanitize=fuzzer,address -parse-as-library -enable-testing -package-name iter "${FUZZ_OPT:--O}" -g -swift-version 6 -use-ld=lld)

mkdir -p "$out/modules" "$out/obj" "$out/bin"

# The library modules of the iter product in dependency order (each imports only modules before
# it), with their paths: NAME LANGUAGE PATH [DEPENDENCY...].
graph=$("$root/scripts/modules.sh" --long iter)
modules=()
declare -A paths=()
map=""
c_sources=()
while read -r name language path _; do
	paths[$name]=$root/$path
	if [ "$language" = swift ]; then
		modules+=("$name")
	else
		# A C target: a module map for its header, and an object for each of its .c files (the
		# shim's signal flag and namespace child).
		map+="module $name [system] {
    header \"$root/$path/include/$name.h\"
    export *
}
"
		while IFS= read -r -d '' file; do c_sources+=("$file"); done \
			< <(find "$root/$path" -name '*.c' -print0 | LC_ALL=C sort -z)
	fi
done <<<"$graph"
[ ${#modules[@]} -gt 0 ] || { echo "Fuzz/build.sh: scripts/modules.sh listed no Swift module" >&2; exit 1; }
[ "$(cat "$out/modules/module.modulemap" 2>/dev/null)" = "${map%$'\n'}" ] || printf '%s' "$map" >"$out/modules/module.modulemap"

objects=()
stamp=""
clang=$(dirname "$swiftc")/clang
for source in "${c_sources[@]}"; do
	object="$out/obj/$(basename "$(dirname "$source")")-$(basename "$source" .c).c.o"
	cstamp=$( { echo "$source"; cat "$source" "$root"/Sources/CLinuxBPF/include/*.h; } | md5sum | cut -d' ' -f1)
	if [ ! -f "$object" ] || [ "$(cat "$object.stamp" 2>/dev/null)" != "$cstamp" ]; then
		echo "fuzz build: $source" >&2
		"$clang" -O1 -g -fsanitize=address -I "$(dirname "$source")/include" -c "$source" -o "$object"
		echo "$cstamp" >"$object.stamp"
	fi
	objects+=("$object")
	stamp+=" $cstamp"
done
for module in "${modules[@]}"; do
	object="$out/obj/$module.o"
	objects+=("$object")
	sources=()
	while IFS= read -r -d '' file; do sources+=("$file"); done \
		< <(find "${paths[$module]}" -name '*.swift' -print0 | LC_ALL=C sort -z)
	# Rebuilt when its sources (names or contents), a module before it, or the flags changed.
	stamp=$( { echo "$stamp ${flags[*]} $map"; printf '%s\n' "${sources[@]}"; cat "${sources[@]}"; } | md5sum | cut -d' ' -f1)
	if [ -f "$object" ] && [ "$(cat "$out/obj/$module.stamp" 2>/dev/null)" = "$stamp" ]; then continue; fi
	echo "fuzz build: module $module (${#sources[@]} files)" >&2
	rm -f "$out/obj/$module.stamp"
	"$swiftc" "${flags[@]}" -module-name "$module" -wmo -I "$out/modules" \
		-emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
		-c -o "$object" "${sources[@]}"
	echo "$stamp" >"$out/obj/$module.stamp"
done

# The plan target walks the 5 MB vmlinux BTF for every input (name lookups); with coverage
# instrumentation on those loops it runs 2 to 3 times slower. It links Bytes and BTFParser built
# with ASan but without coverage: the btf and elf targets are where their coverage guides fuzzing.
nocovModules=(Bytes BTFParser)
for module in "${nocovModules[@]}"; do
	object="$out/obj/$module.nocov.o"
	sources=()
	while IFS= read -r -d '' file; do sources+=("$file"); done \
		< <(find "${paths[$module]}" -name '*.swift' -print0 | LC_ALL=C sort -z)
	nstamp=$( { echo "$stamp"; cat "${sources[@]}"; } | md5sum | cut -d' ' -f1)
	if [ -f "$object" ] && [ "$(cat "$object.stamp" 2>/dev/null)" = "$nstamp" ]; then continue; fi
	echo "fuzz build: module $module without coverage" >&2
	rm -f "$object.stamp"
	mkdir -p "$out/nocov"
	"$swiftc" "${flags[@]/#-sanitize=fuzzer,address/-sanitize=address}" -module-name "$module" -wmo -I "$out/modules" \
		-emit-module -emit-module-path "$out/nocov/$module.swiftmodule" -c -o "$object" "${sources[@]}"
	echo "$nstamp" >"$object.stamp"
done

targets=("$@")
if [ ${#targets[@]} = 0 ]; then
	for file in "$root"/Fuzz/targets/*.swift; do targets+=("$(basename "$file" .swift)"); done
fi
for target in "${targets[@]}"; do
	source="$root/Fuzz/targets/$target.swift"
	binary="$out/bin/fuzz-$target"
	tstamp=$( { echo "$stamp"; cat "$source" "$root/Fuzz/targets/common/"*.swift; } | md5sum | cut -d' ' -f1)
	linked=("${objects[@]}")
	if [ "$target" = plan ]; then
		for module in "${nocovModules[@]}"; do linked=("${linked[@]/%\/$module.o//$module.nocov.o}"); done
	fi
	tstamp=$( { echo "$tstamp ${linked[*]}"; } | md5sum | cut -d' ' -f1)
	if [ ! -x "$binary" ] || [ "$(cat "$binary.stamp" 2>/dev/null)" != "$tstamp" ]; then
		echo "fuzz build: target $target" >&2
		"$swiftc" "${flags[@]}" -module-name "fuzz_$target" -I "$out/modules" \
			"$source" "$root/Fuzz/targets/common/"*.swift "${linked[@]}" -o "$binary"
		echo "$tstamp" >"$binary.stamp"
	fi
	echo "$binary"
done
