#!/usr/bin/env bash
# Reproducers for planning time that grows with the square of an object's size, and for memory
# that grows 64 KiB per extern (found by reading the plan path and measuring, not by libFuzzer: the
# inputs are megabytes, beyond -max_len). Each object is valid C compiled by the toolchain's clang;
# only its size grows with N.
#
#   Fuzz/crashes/plan/slow-objects.sh [OUTDIR] [N...]     (default /tmp/iter-slow, N = 4000 16000 64000)
#   ITER=.build-static/iter Fuzz/crashes/plan/slow-objects.sh ...   times `iter run` on each
#                                      (with /usr/bin/time, Debian package time, for the peak RSS)
#   KINDS="many-globals many-ksyms" Fuzz/crashes/plan/slow-objects.sh ...   only those kinds (each
#                                      kind's sizes differ: clang takes minutes on the largest ones)
#
#   many-globals-N    N initialised globals in .data: ObjectBTF.fixUpDataSections looks each VAR's
#                     ELF symbol up with a linear search of the symbol table (N x N).
#   many-ksyms-N      N weak __ksym externs: Externs.describe scans every BTF type (making a String
#                     of each name) for each extern, twice (Planner.needs and Planner.plan), and
#                     KsymResolution.lookUp compares every vmlinux string with all N names.
#   many-subprogs-N   N static functions called from the program: FuncLineInfo.build filters all
#                     .BTF.ext groups and walks every record of .text once per placed function.
#   many-sections-N   N initialised globals, each in its own .data.gi section (so N maps): the
#                     DATASEC and ELF section of each were looked up by name, searching all (N x N).
#   many-kconfig-N    N weak `char CONFIG_BIGi[65536] __kconfig` externs: KconfigValues.contents
#                     allocates the whole .kconfig value, 64 KiB per extern (N = 2000: a 0.7 MB
#                     object, 131 MB in iter and a 131 MB map in the kernel); from N = 32769 the
#                     offsets pass 2^31 (Int32(offset) traps in ExternPatcher), from N = 65537 the
#                     size passes 2^32 (UInt32(kconfigSize) traps in Externs.rewriteDataSections).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-/tmp/iter-slow}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(4000 16000 64000)
clang=${CLANG:-/opt/swift/usr/bin/clang}
mkdir -p "$out"
for n in "${sizes[@]}"; do
	python3 - "$out" "$n" <<'PY'
import sys
out, n = sys.argv[1], int(sys.argv[2])
def write(path, text):
    # Unchanged sources keep their time stamp, so a second run reuses the objects.
    try:
        if open(path).read() == text:
            return
    except OSError:
        pass
    open(path, "w").write(text)
head = ['#include "iter_bpf.h"', '#include "iter_kernel.h"', 'char LICENSE[] SEC("license") = "GPL";']
write(f"{out}/many-globals-{n}.bpf.c", "\n".join(
    head + [f"int g{i} = {i + 1};" for i in range(n)]
    + ['SEC("iter/task")', "int dump(struct bpf_iter__task *ctx) { return g0 & 0; }"]))
write(f"{out}/many-ksyms-{n}.bpf.c", "\n".join(
    head + [f"extern int k{i} __ksym __weak;" for i in range(n)]
    + ['SEC("iter/task")', "int dump(struct bpf_iter__task *ctx) { int x = 0;"]
    + [f"if (bpf_ksym_exists(&k{i})) x++;" for i in range(n)] + ["return x > 0; }"]))
write(f"{out}/many-subprogs-{n}.bpf.c", "\n".join(
    head + [f"static __attribute__((noinline)) int f{i}(struct bpf_iter__task *c, int a) {{ return a + (c->meta->seq_num & {i}); }}"
            for i in range(n)]
    + ['SEC("iter/task")', "int dump(struct bpf_iter__task *ctx) { int x = 0;"]
    + [f"x = f{i}(ctx, x);" for i in range(n)] + ["return x > 0; }"]))
write(f"{out}/many-sections-{n}.bpf.c", "\n".join(
    head + [f'int g{i} SEC(".data.g{i}") = {i + 1};' for i in range(n)]
    + ['SEC("iter/task")', "int dump(struct bpf_iter__task *ctx) { return g0 & 0; }"]))
write(f"{out}/many-kconfig-{n}.bpf.c", "\n".join(
    head + [f"extern char CONFIG_BIG{i}[65536] __kconfig __weak;" for i in range(n)]
    + ['SEC("iter/task")', "int dump(struct bpf_iter__task *ctx) { int x = 0;"]
    + [f"x += CONFIG_BIG{i}[0];" for i in range(n)] + ["return x > 0; }"]))
PY
	for kind in ${KINDS:-many-globals many-ksyms many-subprogs many-sections many-kconfig}; do
		src="$out/$kind-$n.bpf.c"
		obj="$out/$kind-$n.bpf.o"
		# -O1: clang 21 crashes on the 16000-extern function at -O2 with a raised stack size.
		[ -f "$obj" ] && [ "$obj" -nt "$src" ] || "$clang" -target bpf -g -O1 -mcpu=v3 -mllvm -bpf-stack-size=1000000 \
			-I"$root/Tests/Fixtures/include" -c "$src" -o "$obj"
		if [ -n "${ITER:-}" ]; then
			# `run` needs no bpffs; planning happens before any load, so the time is the planner's
			# (plus the kernel refusing or running the program, which is quick).
			start=$EPOCHREALTIME
			/usr/bin/time -f %M -o "$out/.rss" "$ITER" run "$obj" >/dev/null 2>&1 || true
			rss=$(tail -1 "$out/.rss")
			end=$EPOCHREALTIME
			awk -v k="$kind" -v n="$n" -v size="$(stat -c %s "$obj")" -v s="$start" -v e="$end" -v rss="$rss" \
				'BEGIN { printf "%-16s N=%-6s %9s bytes  %7.2f s  max RSS %s KB\n", k, n, size, e - s, rss }'
		else
			echo "$obj"
		fi
	done
done
