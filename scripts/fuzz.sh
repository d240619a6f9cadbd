#!/usr/bin/env bash
# Fuzzes iter's parsers with libFuzzer (the toolchain's swiftc -sanitize=fuzzer,address): builds
# every target of Fuzz/targets/ (Fuzz/build.sh), runs each for SECONDS, one after the other, and
# prints what libFuzzer executed and found. Exits non-zero on any crash, timeout, leak or
# out-of-memory, or if planning made a system call of its own.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default: 60 seconds, every target)
#
# Targets: elf (ELFReader), btf (object and kernel-style BTF), btfext (.BTF.ext), plan (object bytes
# → LoadPlan against this machine's /sys/kernel/btf/vmlinux), cli (the command-line grammar), values
# (BTF values: text to bytes, bytes to values, paths).
# Each run starts from the committed seeds (Fuzz/corpus/<target>) plus what earlier runs found
# (.build-fuzz/corpus/<target>, kept between runs, not committed). A failing input is written to
# .build-fuzz/artifacts/<target>/ and the line to reproduce it is printed.
#
# Environment: FUZZ_BUILD (build and work directory, default .build-fuzz); FUZZ_MERGE=1 afterwards
# merges the inputs that reach coverage the committed seeds do not into Fuzz/corpus/<target>
# (libFuzzer -merge=1: only those, named by SHA-1; not for plan, whose finds are whole objects;
# review the size before committing). Targets run one at a time, each on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
shift || true
case "$seconds" in *[!0-9]* | "") echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
out=${FUZZ_BUILD:-$root/.build-fuzz}
export FUZZ_BUILD=$out
# Swift's own crash backtracer would catch a runtime trap before libFuzzer does and garble ASan's
# report; without it libFuzzer prints "deadly signal" with the stack ("Swift runtime failure: …").
export SWIFT_BACKTRACE=enable=no

targets=("$@")
if [ ${#targets[@]} = 0 ]; then targets=(elf btf btfext plan cli values); fi

# Largest input per target: objects and BTF up to 64 KB (the fixtures are 4-10 KB), .BTF.ext 16 KB,
# a command line 1 KB.
max_len() {
	case "$1" in
	btfext) echo 16384 ;;
	cli) echo 1024 ;;
	*) echo 65536 ;;
	esac
}

started=$(date +%s)
echo "== fuzz: building ${targets[*]}"
Fuzz/build.sh "${targets[@]}" >/dev/null
built=$(date +%s)
echo "built in $((built - started)) s"

status=0
failures=()
# LeakSanitizer stops every thread with ptrace to scan their stacks. In a process that is traced
# already it cannot, and reports libFuzzer's own memory as leaked ("Running thread N was not
# suspended. False leaks are possible."); where ptrace is forbidden it stops with "LeakSanitizer
# has encountered a fatal error" (both at the exit of a fuzzing run). A run of 100 inputs from an
# empty corpus first tells: leaks are checked only where it can run (a real leak there is no
# reason not to: the runs below find it again).
leaks_checked=1
probe_dir=$(mktemp -d "${TMPDIR:-/tmp}/iter-fuzz-probe.XXXXXX")
leak_probe=$(ASAN_OPTIONS=detect_leaks=1 "$out/bin/fuzz-${targets[0]}" -runs=100 -seed=1 -detect_leaks=1 "$probe_dir" 2>&1 || true)
rm -rf "$probe_dir"
if grep -qE 'False leaks are possible|LeakSanitizer has encountered a fatal error|LeakSanitizer does not work under ptrace' <<<"$leak_probe"; then
	leaks_checked=0
	leaks_why=$(grep -m1 -E 'False leaks|LeakSanitizer has|LeakSanitizer does not' <<<"$leak_probe")
	echo "fuzz: LeakSanitizer cannot run here ($leaks_why): leaks not checked"
fi
total_execs=0
total_found=0
rows=()
for target in "${targets[@]}"; do
	binary="$out/bin/fuzz-$target"
	corpus="$out/corpus/$target"
	artifacts="$out/artifacts/$target"
	log="$out/logs/$target.log"
	mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
	before=$(ls "$artifacts" | wc -l)
	# plan reads objects, as elf does: elf's seeds (merged finds included) seed it too.
	seeds=("$root/Fuzz/corpus/$target")
	[ "$target" = plan ] && seeds+=("$root/Fuzz/corpus/elf")
	dict="$root/Fuzz/dict/$target.dict"
	[ -f "$dict" ] || dict=
	echo "== fuzz: $target for ${seconds} s (log: $log)"
	set +e
	# The outer timeout only guards against libFuzzer itself not stopping.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$leaks_checked:allocator_may_return_null=0} \
		timeout --signal=KILL $((seconds + 300)) "$binary" \
		-max_total_time="$seconds" -print_final_stats=1 -max_len="$(max_len "$target")" \
		-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -detect_leaks=$leaks_checked \
		${dict:+-dict="$dict"} -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" >"$log" 2>&1
	code=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
	execs=${execs:-0}
	new=$(ls -t "$artifacts" | head -n $(($(ls "$artifacts" | wc -l) - before)))
	crashes=$(grep -c '^crash-' <<<"$new" || true)
	timeouts=$(grep -c '^timeout-' <<<"$new" || true)
	leaks=$(grep -c '^leak-' <<<"$new" || true)
	ooms=$(grep -c '^oom-' <<<"$new" || true)
	found=$((crashes + timeouts + leaks + ooms))
	if [ "$code" != 0 ] && [ "$found" = 0 ]; then
		# libFuzzer stopped without writing an input (a crash at start-up, a kill): a failure too.
		crashes=$((crashes + 1))
		found=1
	fi
	corpus_files=$(ls "$corpus" "${seeds[@]}" | grep -vc ':$\|^$' || true)
	rows+=("$(printf '%-8s %6s s %12s execs %8s/s %6s inputs %6s MB rss   crashes %s  timeouts %s  leaks %s  ooms %s' \
		"$target" "$seconds" "$execs" "${rate:-0}" "$corpus_files" "${rss:-?}" "$crashes" "$timeouts" "$leaks" "$ooms")")
	total_execs=$((total_execs + execs))
	total_found=$((total_found + found))
	if [ "$found" != 0 ]; then
		status=1
		report=$(
			echo "fuzz: $target failed (libFuzzer exit $code); from its log ($log):"
			grep -E '^(==[0-9]+== ?ERROR|SUMMARY|Fatal error|.*fuzz invariant|.*Swift runtime failure|.* in \$s|artifact_prefix|Test unit written|INFO: Seed)' "$log" | head -20 || true
			[ -n "$new" ] || tail -n 8 "$log"
			for file in $new; do
				echo "  reproduce: SWIFT_BACKTRACE=enable=no $binary $artifacts/$file"
				echo "  input ($(stat -c %s "$artifacts/$file") bytes, base64, first 600 characters): $(base64 -w0 "$artifacts/$file" | head -c 600)"
			done
		)
		echo "$report"
		failures+=("$report")
	fi
done

# Planning must be pure: while fuzz-plan executes an input, the only system calls allowed are
# libFuzzer reading that input and timing it, and the allocator's memory calls. Checked with strace on the seeds
# and on up to 300 of the inputs found (the most recent).
purity="not checked (plan not run)"
[[ " ${targets[*]} " == *" plan "* ]] && ! command -v strace >/dev/null && purity="not checked (no strace)"
if [[ " ${targets[*]} " == *" plan "* ]] && command -v strace >/dev/null; then
	inputs=("$root"/Fuzz/corpus/plan/*)
	while IFS= read -r file; do inputs+=("$out/corpus/plan/$file"); done < <(ls -t "$out/corpus/plan" | head -300)
	trace="$out/logs/plan.strace"
	: >"$trace"
	ASAN_OPTIONS=detect_leaks=0 strace -qq -o "$trace" "$out/bin/fuzz-plan" -timeout=0 -rss_limit_mb=0 "${inputs[@]}" \
		>"$out/logs/plan.strace.out" 2>&1 || true
	executed=$(grep -c 'write(2, "Executed ' "$trace" || true)
	# Between "Running: FILE" and "Executed FILE": drop libFuzzer's own reading of FILE and the
	# allocator's calls; anything left is planning doing I/O. strace follows only the main thread,
	# where libFuzzer runs the inputs (-timeout=0 -rss_limit_mb=0: no watchdog threads either).
	calls=$(awk '
		/write\(2, "Running: / { on = 1; next }
		/write\(2, "Executed / { on = 0; next }
		on {
			call = $1; sub(/\(.*/, "", call)
			if (call ~ /^(mmap|munmap|madvise|mprotect|mremap|brk|futex|sched_yield|getrusage|lseek|close)$/) next
			# libFuzzer times each input: a system call where the clock source has no vDSO.
			if (call ~ /^(clock_gettime|gettimeofday|time)$/) next
			if (call == "openat" && $0 ~ /O_RDONLY\) = 3$/) next
			if (call == "read" && $1 ~ /^read\(3,/) next
			print
		}' "$trace" | sort | uniq -c | sort -rn | head -20) || calls="(the trace could not be read)"
	if [ "$executed" = 0 ]; then
		# strace could not trace here (no ptrace in a sandbox): said, not taken for purity.
		purity="not checked (strace traced nothing: $(head -c 300 "$out/logs/plan.strace.out" | tr '\n' ' '))"
	elif [ "$executed" != "${#inputs[@]}" ]; then
		purity="NOT checked: fuzz-plan ran $executed of ${#inputs[@]} inputs under strace (see $out/logs/plan.strace.out)"
		status=1
		failures+=("fuzz: plan under strace stopped after $executed of ${#inputs[@]} inputs: $(tail -n 5 "$out/logs/plan.strace.out")")
	elif [ -z "$calls" ]; then
		purity="pure: no system call while planning ${#inputs[@]} inputs"
	else
		purity="NOT pure: system calls while planning (see $trace):"$'\n'"$calls"
		status=1
		failures+=("fuzz: $purity")
	fi
fi

if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$status" = 0 ]; then
	for target in "${targets[@]}"; do
		# plan's finds are whole objects (10 KB each, megabytes in all); elf's merged finds seed it.
		[ "$target" = plan ] && continue
		before=$(ls "$root/Fuzz/corpus/$target" | wc -l)
		"$out/bin/fuzz-$target" -merge=1 -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
			"$root/Fuzz/corpus/$target" "$out/corpus/$target" >"$out/logs/$target.merge.log" 2>&1
		echo "merged into Fuzz/corpus/$target: $(($(ls "$root/Fuzz/corpus/$target" | wc -l) - before)) inputs" \
			"($(du -sk "$root/Fuzz/corpus/$target" | cut -f1) KB now)"
	done
fi

echo
echo "== fuzz results ($(date -u +%Y-%m-%d), $(uname -r), ${seconds} s per target)"
printf '%s\n' "${rows[@]}"
printf 'total    %6s s %12s execs   %s crashes, timeouts, leaks or OOMs\n' "$((seconds * ${#targets[@]}))" "$total_execs" "$total_found"
[ "$leaks_checked" = 1 ] || echo "leaks: not checked (LeakSanitizer cannot run here: $leaks_why)"
echo "plan purity: $purity"
echo "wall time: $(($(date +%s) - started)) s (build $((built - started)) s)"
# The failures again, last, where a page that shows only the end of the output has them.
for report in "${failures[@]}"; do echo "$report"; done
exit "$status"
