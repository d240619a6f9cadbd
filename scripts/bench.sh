#!/usr/bin/env bash
# iter against bpftool, on this machine, in one run (doc/performance.md shows its output):
#
#   1. `pin` of the same fixtures with iter (static glibc and static musl builds) and with
#      bpftool, alternating: median wall time, CPU time (user + system) and peak RSS, and the
#      ratios to bpftool's;
#   2. what reading the kernel's BTF costs alone (mmap and the walk over its type headers, from
#      iter's `-d` timing line);
#   3. `iter list` and `iter show` (median wall, with three iterators pinned), and bpftool link show;
#   4. the sizes of the static binaries (stripped) next to bpftool's with its shared libraries;
#   4b. reading: the cost of one more pass of an attached iterator (`run ... interval 0 count N`:
#      a new BPF_ITER_CREATE and a full read, N times) against making one anew for each pass
#      (`iter run`: load, attach, read) and against pinning anew (`iter pin` + cat + rm);
#   5. scaling: generated objects of 1,000 / 2,000 / 4,000 programs, 10,000 / 20,000 / 40,000
#      CO-RE relocations and 1 / 2 / 4 MiB of .rodata, planned (`iter run` stops at a map the
#      kernel refuses, before loading any program): planning time and peak RSS.
#
#   scripts/bench.sh [--rounds N] [--iter PATH] [--musl PATH] [--no-scaling]
#
# Needs root, bpffs at /sys/fs/bpf, hyperfine, GNU time (/usr/bin/time), bpftool, python3 and the
# toolchain's clang. Builds the static binaries first (scripts/build-static.sh, build-musl.sh)
# unless given. Pins only under a fresh directory of /sys/fs/bpf, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=30
iter=
musl=
scaling=1
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=${2:?}; shift 2 ;;
	--iter) iter=${2:?}; shift 2 ;;
	--musl) musl=${2:?}; shift 2 ;;
	--no-scaling) scaling=0; shift ;;
	*) echo "usage: $0 [--rounds N] [--iter PATH] [--musl PATH] [--no-scaling]" >&2; exit 2 ;;
	esac
done

fail() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (pinning needs CAP_BPF and CAP_SYS_ADMIN)"
command -v hyperfine >/dev/null || fail "hyperfine not found (apt-get install hyperfine)"
[ -x /usr/bin/time ] || fail "/usr/bin/time not found (apt-get install time)"
bpftool=$(command -v bpftool) || fail "bpftool not found (apt-get install bpftool)"
command -v python3 >/dev/null || fail "python3 not found"
clang=${CLANG:-$(dirname "$(command -v swiftc)")/clang}
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || fail "/sys/fs/bpf is not bpffs (mount -t bpf bpf /sys/fs/bpf)"

[ -n "$iter" ] || iter=$(bash scripts/build-static.sh)
[ -n "$musl" ] || musl=$(bash scripts/build-musl.sh)
iter=$(realpath "$iter")
musl=$(realpath "$musl")

work=$(mktemp -d /tmp/iter-bench.XXXXXX)
pins=/sys/fs/bpf/iter-bench-$$
mkdir "$pins"
cleanup() {
	rm -f "$pins"/* 2>/dev/null || true
	rmdir "$pins" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# Medians and ratios are computed by this small helper from the files the loops write.
stats() { python3 - "$@" <<'EOF'
import json, statistics, sys
kind = sys.argv[1]
if kind == "pin":
    # per tool: wall, cpu (ms) from hyperfine's one-run exports; RSS (KiB) from GNU time
    names, files, rss = sys.argv[2].split(","), sys.argv[3:-1], sys.argv[-1]
    wall = {n: [] for n in names}; cpu = {n: [] for n in names}
    for f in files:
        results = json.load(open(f))["results"]
        for n, r in zip(names, results):
            wall[n].append(r["times"][0] * 1000)
            cpu[n].append((r["user"] + r["system"]) * 1000)
    peak = {n: [] for n in names}
    for line in open(rss):
        n, kib = line.split()
        peak[n].append(int(kib))
    med = lambda xs: statistics.median(xs)
    base = names[-1]
    label = {"glibc": "iter (glibc)", "musl": "iter (musl)"}
    for n in names:
        w, c, m = med(wall[n]), med(cpu[n]), med(peak[n]) / 1024
        ratio = "" if n == base else "  %5.2f× %5.2f× %5.2f×" % (w / med(wall[base]), c / med(cpu[base]), med(peak[n]) / med(peak[base]))
        print("  %-14s %8.2f ms %8.2f ms %8.1f MiB%s" % (label.get(n, n), w, c, m, ratio))
elif kind == "median":
    xs = [float(x) for x in open(sys.argv[2]).read().split()]
    print("%.0f" % statistics.median(xs))
elif kind == "scale":
    # scale programs relos rodata-bytes object-bytes plan-file rss-file hyperfine-json
    scale, programs, relos, rodata, size = (int(x) for x in sys.argv[2:7])
    plan = statistics.median(float(x) for x in open(sys.argv[7]).read().split())
    rss = statistics.median(float(x) for x in open(sys.argv[8]).read().split())
    wall = json.load(open(sys.argv[9]))["results"][0]["median"] * 1000
    print("  %4dx  %8d  %11d  %7.2f MiB  %6.2f MiB  %8.1f ms  %7.1f us  %6.0f ms  %6.1f MiB" % (
        scale, programs, relos, rodata / 1048576, size / 1048576, plan / 1000, plan / programs, wall, rss / 1024))
EOF
}

echo "iter vs bpftool on $(uname -r), $(nproc) CPUs; $rounds rounds, each tool in turn"
echo "  iter (glibc): $iter"
echo "  iter (musl):  $musl"
echo "  bpftool:      $bpftool ($("$bpftool" version 2>/dev/null | head -1))"

for fixture in iter_task iter_hash; do
	object=$PWD/Tests/Fixtures/$fixture.bpf.o
	rm -f "$work"/pin-*.json "$work/rss"
	for round in $(seq "$rounds"); do
		# One run of each, in turn, after one warm-up of each; the pins are removed before each run.
		hyperfine -N --warmup 1 --runs 1 --style none --export-json "$work/pin-$round.json" \
			--prepare "rm -f $pins/g $pins/m $pins/b" \
			"$iter pin $object $pins/g" "$musl pin $object $pins/m" "$bpftool iter pin $object $pins/b" >/dev/null
		for tool in glibc musl bpftool; do
			rm -f "$pins/g" "$pins/m" "$pins/b"
			case $tool in
			glibc) command=("$iter" pin "$object" "$pins/g") ;;
			musl) command=("$musl" pin "$object" "$pins/m") ;;
			bpftool) command=("$bpftool" iter pin "$object" "$pins/b") ;;
			esac
			/usr/bin/time -f "%M" -o "$work/one" "${command[@]}"
			echo "$tool $(cat "$work/one")" >>"$work/rss"
		done
	done
	rm -f "$pins/g" "$pins/m" "$pins/b"
	echo
	echo "pin $fixture.bpf.o              wall        CPU    peak RSS   ratio to bpftool (wall, CPU, RSS)"
	stats pin "glibc,musl,bpftool" "$work"/pin-*.json "$work/rss"
done

# Reading vmlinux BTF alone: iter -d says how long opening, mapping and indexing it took (and,
# since the names planning needs are found in the same walk, finding them), and how long planning
# took after that.
rm -f "$work/scan" "$work/plan"
for round in $(seq "$rounds"); do
	rm -f "$pins/g"
	"$iter" -d pin "$PWD/Tests/Fixtures/iter_task.bpf.o" "$pins/g" 2>"$work/trace"
	sed -n 's/^iter: timing: kernel BTF opened and indexed in \([0-9]*\) us.*$/\1/p' "$work/trace" >>"$work/scan"
	sed -n 's/^iter: timing: planned [0-9]* programs in \([0-9]*\) us.*$/\1/p' "$work/trace" >>"$work/plan"
done
rm -f "$pins/g"
btf_size=$(stat -c %s /sys/kernel/btf/vmlinux)
types=$(sed -n 's/^iter: kernel BTF: \([0-9]*\) types, \(.*\)$/\1 types, \2/p' "$work/trace")
echo
echo "vmlinux BTF ($((btf_size / 1024)) KiB, $types): opened, mapped and indexed in $(stats median "$work/scan") us (median)"
echo "planning iter_task.bpf.o after that: $(stats median "$work/plan") us (median)"

# iter list and iter show: median wall of each over 30 runs, with three iterators pinned (a task
# iterator, one with main_thread_only and a cgroup iterator with its order), so that show has
# links to describe and bpffs mounts to walk; bpftool link show (which describes every link) next
# to them for scale.
"$iter" pin "$PWD/Tests/Fixtures/iter_task.bpf.o" "$pins/show-task"
"$iter" pin "$PWD/Tests/Fixtures/iter_task.bpf.o" "$pins/show-leaders" task main_thread_only
"$iter" pin "$PWD/Tests/Fixtures/iter_cgroup.bpf.o" "$pins/show-cgroup" cgroup path /sys/fs/cgroup order descendants_pre 2>/dev/null || true
hyperfine -N --warmup 3 --runs 30 --style none --export-json "$work/listshow.json" \
	"$iter list" "$iter show" "$iter show $pins/show-task" "$iter -j list" "$bpftool link show" >/dev/null 2>"$work/hyperfine.err" || { cat "$work/hyperfine.err" >&2; fail "hyperfine failed"; }
rm -f "$pins"/show-*
echo
echo "iter list and iter show (median wall of 30 runs; $(ls /sys/fs/bpf -R 2>/dev/null | wc -l) bpffs entries)"
python3 - "$work/listshow.json" "$iter" <<'PY'
import json, statistics, sys
for result in json.load(open(sys.argv[1]))["results"]:
    command = result["command"].replace(sys.argv[2], "iter")
    print(f"  {command:<44} {statistics.median(result['times']) * 1000:7.2f} ms")
PY

# Sizes: stripped static binaries, and bpftool with every shared library it loads.
echo
echo "binary sizes"
printf '  %-34s %9d bytes\n' "iter, static glibc, stripped" "$(stat -c %s "$iter")"
printf '  %-34s %9d bytes\n' "iter, static musl, stripped" "$(stat -c %s "$musl")"
total=$(stat -c %s "$bpftool")
printf '  %-34s %9d bytes\n' "bpftool" "$total"
for library in $(ldd "$bpftool" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u); do
	size=$(stat -L -c %s "$library")
	total=$((total + size))
	printf '  %-34s %9d bytes\n' "  + $(basename "$library")" "$size"
done
printf '  %-34s %9d bytes\n' "bpftool with its libraries" "$total"

# Reading: one extra pass of an attached iterator, against attaching or pinning anew per pass.
# The extra-pass cost is the difference between N + 1 passes and 1 pass, divided by N (the load and
# attach are paid once in both); the task iterator walks every task of the machine.
passes=50
object=$PWD/Tests/Fixtures/iter_task.bpf.o
hyperfine -N --warmup 3 --runs "$rounds" --style none --export-json "$work/passes.json" \
	--prepare "rm -f $pins/p" --command-name "one pass" "$iter run $object interval 0 count 1" \
	--command-name "$((passes + 1)) passes" "$iter run $object interval 0 count $((passes + 1))" \
	--command-name "run anew" "$iter run $object" \
	--command-name "pin anew" "sh -c '$iter pin $object $pins/p && cat $pins/p && rm $pins/p'" \
	>/dev/null 2>"$work/hyperfine.err" || { cat "$work/hyperfine.err" >&2; fail "hyperfine failed"; }
rm -f "$pins/p"
tasks=$("$iter" run "$object" | tail -n +2 | wc -l)
echo
echo "reading iter_task.bpf.o ($tasks tasks; median of $rounds runs): one more pass of an attached iterator"
python3 - "$work/passes.json" "$passes" <<'PY'
import json, statistics, sys
results = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[2])
one, many = results["one pass"], results[f"{n + 1} passes"]
extra = (many - one) / n
print(f"  iter run, 1 pass (load, attach, read)          {one:8.2f} ms")
print(f"  iter run, {n + 1} passes (interval 0)              {many:8.2f} ms")
print(f"  one extra pass (BPF_ITER_CREATE + read)        {extra:8.3f} ms")
print(f"  a pass by iter run anew (load, attach, read)   {results['run anew']:8.2f} ms   {results['run anew'] / extra:6.1f}x the extra pass")
print(f"  a pass by iter pin anew + cat + rm             {results['pin anew']:8.2f} ms   {results['pin anew'] / extra:6.1f}x the extra pass")
PY

[ "$scaling" = 1 ] || exit 0

# Scaling: planning time and peak RSS at 1x, 2x and 4x the generated object.
echo
echo "scaling (iter run of a generated object; stops at a map the kernel refuses, after planning)"
echo "  scale  programs  CO-RE relos    .rodata      object     planning  per program     wall  peak RSS"
for scale in 1 2 4; do
	python3 scripts/bench/gen_scale.py "$scale" "$work/scale$scale.c"
	"$clang" -target bpf -O2 -g -mcpu=v3 -I Tests/Fixtures/include -c "$work/scale$scale.c" -o "$work/scale$scale.o"
	object=$work/scale$scale.o
	"$iter" -d run "$object" >"$work/trace" 2>&1 || true
	# The object's programs (each listed by -d, loaded or not) and their CO-RE relocations, ten
	# each (gen_scale.py): planning parses them all and relocates the one it attaches.
	programs=$(grep -c "^iter: program '" "$work/trace" || true)
	relos=$((programs * 10))
	rodata=$(sed -n "s/^iter: map '[^']*': .rodata, \([0-9]*\) bytes.*/\1/p" "$work/trace")
	rm -f "$work/plan" "$work/rss"
	for round in $(seq 9); do
		"$iter" -d run "$object" >/dev/null 2>"$work/trace" || true
		sed -n 's/^iter: timing: planned [0-9]* programs* in \([0-9]*\) us.*/\1/p' "$work/trace" >>"$work/plan"
		/usr/bin/time -f "%M" -o "$work/one" "$iter" run "$object" 2>/dev/null || true
		tail -1 "$work/one" >>"$work/rss"
	done
	hyperfine -N -i --warmup 1 --runs 9 --style none --export-json "$work/scale.json" "$iter run $object" >/dev/null 2>&1
	stats scale "$scale" "$programs" "$relos" "$rodata" "$(stat -c %s "$object")" "$work/plan" "$work/rss" "$work/scale.json"
done
