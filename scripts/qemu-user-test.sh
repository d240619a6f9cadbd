#!/usr/bin/env bash
# Quick tests of a binary of another architecture, with no guest: each case runs under qemu-user
# (qemu-aarch64-static) and, natively, with a reference binary of this machine's architecture
# (the x86-64 static iter); the two must agree byte for byte on stdout and stderr and on the exit
# status, and the status must be the one the case expects. Covers what needs no bpf(2) (qemu-user
# has none): help, version, grammar and usage errors, and every file of the bad-object corpus
# (Tests/Fixtures/bad, whose messages Tests/EndToEndTests/BadCorpusTests.swift asserts for the
# reference binary).
#
#   scripts/qemu-user-test.sh [--reference PATH] [-v] CANDIDATE...
#       --reference   default .build-static/iter (build it with scripts/build-static.sh)
#       CANDIDATE     e.g. .build-static-aarch64/iter .build-musl-aarch64/iter
#       -v            print every case, not only the differences
#
# Needs root and bpffs at /sys/fs/bpf: the corpus is pinned (it fails before pinning) under a
# fresh directory there, as the Swift test does. The last line is `qemu-user: N cases, N differ`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh

# ---------------------------------------------------------------------------------------------
# The cases, one per line: EXPECTED-EXIT-STATUS ARGUMENTS...
#   EXPECTED-EXIT-STATUS  a number, or = for "whatever the reference binary gives"; @N runs the
#                         candidate alone and checks only its status (for what bpf(2) answers:
#                         natively the kernel does, under qemu-user it is ENOSYS), e.g. `@0 info`
#   ARGUMENTS             shell words; $FIX is Tests/Fixtures, $PIN a fresh directory on bpffs;
#                         a first word `bpftool` runs the binary under the name bpftool.
# Every file of Tests/Fixtures/bad is added as `= pin FILE $PIN/it` and `= -j pin FILE $PIN/it`.
cases() {
	cat <<'EOF'
0   help
0   -h
0   --help
0   -j help
0   version
0   -V
0   -j version
0   -p version
0   bpftool iter help
0   bpftool -V
0
0   --j help
255 frobnicate
255 -j frobnicate
255 --no-such-option help
255 -x help
255 pin
255 pin $FIX/iter_task.bpf.o
255 -j pin $FIX/iter_task.bpf.o
255 run
255 pin $FIX/iter_task.bpf.o $PIN/it map
255 pin $FIX/iter_task.bpf.o $PIN/it map id
255 pin $FIX/iter_task.bpf.o $PIN/it map id abc
255 pin $FIX/iter_task.bpf.o $PIN/it map id 99999999999
255 pin $FIX/iter_task.bpf.o $PIN/it map foo 1
255 pin $FIX/iter_task.bpf.o $PIN/it task
255 pin $FIX/iter_task.bpf.o $PIN/it task tid
255 pin $FIX/iter_task.bpf.o $PIN/it task tid abc
255 pin $FIX/iter_task.bpf.o $PIN/it task pid_fd x
255 pin $FIX/iter_task.bpf.o $PIN/it task bogus 1
255 run $FIX/iter_cgroup.bpf.o cgroup
255 run $FIX/iter_cgroup.bpf.o cgroup id x
255 run $FIX/iter_cgroup.bpf.o cgroup path /sys/fs/cgroup order
255 run $FIX/iter_cgroup.bpf.o cgroup path /sys/fs/cgroup order sideways
255 run $FIX/iter_cgroup.bpf.o cgroup nope 1
255 run $FIX/iter_task.bpf.o prog
255 run $FIX/iter_task.bpf.o map id 1 task pid 1
255 run $FIX/iter_task.bpf.o frob
255 show id
255 show id x
255 list frob
255 bpftool prog show
255 bpftool iter frob
254 pin $FIX/no-such-object.o $PIN/it
254 -j pin $FIX/no-such-object.o $PIN/it
235 pin $FIX $PIN/it
255 pin $FIX/x86_program.o $PIN/it
255 pin $FIX/iter_task.bpfeb.o $PIN/it
255 pin $FIX/iter_task.bpf.o $PIN/a.b
@0  list
@0  -j list
0   info $FIX/iter_params.bpf.o
0   -j info $FIX/iter_params.bpf.o
0   info $FIX/iter_map_in_map.bpf.o
0   info $FIX/iter_mixed_progs.bpf.o
0   info $FIX/iter_prog_array.bpf.o
255 info $FIX/iter_task.bpfeb.o
255 info
255 info $FIX/iter_params.bpf.o extra
255 run $FIX/iter_params.bpf.o set targ_tgi=1
255 run $FIX/iter_params.bpf.o set limits.level=8
255 run $FIX/iter_params.bpf.o set title
255 pin $FIX/iter_task.bpf.o $PIN/it mode 0999
255 pin $FIX/iter_task.bpf.o $PIN/it owner no_such_user_here
EOF
	local f
	for f in Tests/Fixtures/bad/*.o; do
		echo "=   pin $f \$PIN/it"
		echo "=   -j pin $f \$PIN/it"
	done
}
# ---------------------------------------------------------------------------------------------

reference=.build-static/iter verbose='' candidates=()
while [ $# -gt 0 ]; do
	case $1 in
	--reference) reference=${2:?}; shift 2 ;;
	-v) verbose=1; shift ;;
	-*) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	*) candidates+=("$1"); shift ;;
	esac
done
[ ${#candidates[@]} -gt 0 ] || { echo "usage: $0 [--reference PATH] [-v] CANDIDATE..." >&2; exit 2; }
[ -x "$reference" ] || { echo "qemu-user: no reference binary $reference (scripts/build-static.sh)" >&2; exit 2; }
[ "$(stat -f -c %t /sys/fs/bpf 2>/dev/null)" = cafe4a11 ] ||
	{ echo "qemu-user: /sys/fs/bpf is not bpffs (mount -t bpf bpf /sys/fs/bpf)" >&2; exit 2; }

# How to run a binary: natively, or under the qemu-user of its machine.
runner() {
	case $(LC_ALL=C file -b "$1") in
	*x86-64*) [ "$(uname -m)" = x86_64 ] || { need_packages qemu-user-static && echo qemu-x86_64-static; } ;;
	*aarch64*) [ "$(uname -m)" = aarch64 ] || { need_packages qemu-user-static && echo qemu-aarch64-static; } ;;
	*) echo "qemu-user: $1 is not an x86-64 or aarch64 executable" >&2; return 1 ;;
	esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/iter-qemu-user.XXXXXX")
PIN=/sys/fs/bpf/iter_qemu_user_$$
mkdir "$PIN"
trap 'rm -rf "$work"; rm -rf "$PIN"' EXIT
FIX=Tests/Fixtures
export FIX PIN

# run BINARY RUNNER OUT-PREFIX WORDS...: one case; exit status in OUT-PREFIX.rc.
run_case() {
	local binary=$1 runner=$2 out=$3; shift 3
	local argv0=$binary
	if [ "${1:-}" = bpftool ]; then
		shift
		mkdir -p "$out.bin"
		ln -sf "$(realpath "$binary")" "$out.bin/bpftool"
		argv0=$out.bin/bpftool
	fi
	local rc=0
	# shellcheck disable=SC2086  # an empty runner is no word
	timeout 60 $runner "$argv0" "$@" </dev/null >"$out.out" 2>"$out.err" || rc=$?
	echo "$rc" >"$out.rc"
	# A machine's name is the one thing allowed to differ (uname in messages).
	sed -i -e 's/\bx86_64\b/MACHINE/g' -e 's/\baarch64\b/MACHINE/g' "$out.out" "$out.err"
}

ref_runner=$(runner "$reference")
total=0 differ=0
for candidate in "${candidates[@]}"; do
	[ -x "$candidate" ] || { echo "qemu-user: no such binary $candidate" >&2; exit 2; }
	cand_runner=$(runner "$candidate")
	echo "qemu-user: $candidate (${cand_runner:-native}; $(file -b "$candidate" | cut -d, -f2)) against $reference"
	n=0 bad=0 started=$SECONDS
	while read -r expected line; do
		[ -n "$expected" ] || continue
		n=$((n + 1))
		eval "words=($line)"
		run_case "$candidate" "$cand_runner" "$work/cand" "${words[@]}"
		crc=$(cat "$work/cand.rc")
		why=()
		if [ "${expected#@}" != "$expected" ]; then
			# Alone: the status only (a crash under qemu is 128 + signal).
			[ "$crc" = "${expected#@}" ] || why+=("exit $crc, expected ${expected#@}")
			: >"$work/ref.out"; : >"$work/ref.err"
		else
			run_case "$reference" "$ref_runner" "$work/ref" "${words[@]}"
			rrc=$(cat "$work/ref.rc")
			[ "$rrc" = "$crc" ] || why+=("exit $crc, reference $rrc")
			[ "$expected" = = ] || [ "$crc" = "$expected" ] || why+=("exit $crc, expected $expected")
			cmp -s "$work/ref.out" "$work/cand.out" || why+=("stdout differs")
			cmp -s "$work/ref.err" "$work/cand.err" || why+=("stderr differs")
		fi
		if [ ${#why[@]} -gt 0 ]; then
			bad=$((bad + 1))
			echo "DIFF  iter $line: $(IFS=';'; echo "${why[*]}")"
			diff <(cat "$work/ref.out" "$work/ref.err") <(cat "$work/cand.out" "$work/cand.err") | head -n 10 | sed 's/^/      /' || true
		elif [ -n "$verbose" ]; then
			echo "same  iter $line  (exit $crc) $(head -c 120 "$work/cand.err" | head -n 1)"
		fi
	done < <(cases)
	echo "qemu-user: $candidate: $n cases, $((n - bad)) same, $bad differ ($((SECONDS - started)) s)"
	total=$((total + n)) differ=$((differ + bad))
done
echo "qemu-user: $total cases, $differ differ"
[ "$differ" = 0 ]
