#!/usr/bin/env bash
# Fault injection for `iter pin`: every system call a pin makes is made to fail, one at a time
# (strace -e inject), in each way a pin can mount bpffs, and after each run nothing may be left:
# no pin, no pinned-by-name map, no mount or propagation change, no BPF map of the object still
# loaded. A run that fails prints one `Error:` line and exits non-zero; a run that succeeds
# despite the fault (a probe that may fail, a fallback) must leave a complete, readable pin.
# Each call also brings a fatal signal, in another run: iter ends by it with nothing left behind,
# or with a complete pin. Then the undo itself is made to fail (the pin fails and so does an unmount, once or always):
# iter must still undo what it can and name what it could not.
#
#   scripts/faults.sh [ITER]        (default .build-static/iter: static, so that no shared library
#                                   is opened; root and strace needed)
#
# Everything happens inside a private mount namespace with its own bpffs on /sys/fs/bpf (where the
# object's map is pinned by name) and scratch tmpfs mounts, rebuilt for every run: nothing is seen
# by, or can disturb, other processes. Prints one line per failure and a summary:
#   faults: N runs, N faults injected (N single, N signals, N in the undo), N failed cleanly (or
#   ended by the signal with nothing left), N succeeded
#   anyway, N left something behind, N died by a signal, N hung
# and exits non-zero unless the last four are 0. FAULTS_VERBOSE=1 prints every run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iter=$(realpath "${1:-$root/.build-static/iter}")
[ -x "$iter" ] || { echo "faults.sh: no iter binary at $iter" >&2; exit 2; }
command -v strace >/dev/null || { echo "faults.sh: strace is needed" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "faults.sh: needs root" >&2; exit 2; }

if [ "${FAULTS_IN_NAMESPACE:-}" != 1 ]; then
	exec unshare -m --propagation private env FAULTS_IN_NAMESPACE=1 "$0" "$iter"
fi

work=$(mktemp -d /tmp/iter-faults.XXXXXX)
cleanup() {
	cd /
	umount -R "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mount -t tmpfs tmpfs "$work"
mkdir "$work/objects" "$work/logs" "$work/s"
# A name of its own: the object's global data maps are "faultinj.rodata" and so on, so a map left
# loaded is found by name whatever else runs on the machine.
object=$work/objects/faultinj.bpf.o
cp "$root/Tests/Fixtures/iter_map_fill.bpf.o" "$object"
pinned_map=/sys/fs/bpf/fill_pinned
s=$work/s

# Scenarios: where the pin goes, and the mounts that make each path through the mount steps.
#   bpffs     already on bpffs: no mount
#   private   a private tmpfs mount point: bpffs mounted on it
#   shared    a shared tmpfs mount point: made private, bpffs mounted, shared again on undo
#   inshared  a directory inside a shared mount: bind-mounted on itself, made private, bpffs
#   relative  the same as inshared, PATH relative to the working directory
scenarios=(bpffs private shared inshared relative)

setup() {
	mount -t bpf bpf /sys/fs/bpf
	mount -t tmpfs tmpfs "$s"
	mkdir "$s/private" "$s/shared"
	mount -t tmpfs tmpfs "$s/private"
	mount -t tmpfs tmpfs "$s/shared"
	mount --make-shared "$s/shared"
	mkdir "$s/shared/sub" "$s/shared/rel"
	case $1 in
	bpffs) dir=/sys/fs/bpf; path=/sys/fs/bpf/it; cwd=/ ;;
	private) dir=$s/private; path=$dir/it; cwd=/ ;;
	shared) dir=$s/shared; path=$dir/it; cwd=/ ;;
	inshared) dir=$s/shared/sub; path=$dir/it; cwd=/ ;;
	relative) dir=$s/shared/rel; path=it; cwd=$dir ;;
	esac
}

teardown() {
	cd /
	umount -R "$s" 2>/dev/null
	umount -R /sys/fs/bpf 2>/dev/null
}

# What a pin could leave behind: mounts (with propagation) under the scratch tree and on
# /sys/fs/bpf, every file in them, and the object's maps still loaded.
state() {
	awk -v s="$s" '$5 == "/sys/fs/bpf" || index($5, s) == 1 {
		shared = "private"; for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) shared = "shared"
		for (j = i; $j != "-"; j++) ; print "mount", $5, $(j + 1), shared
	}' /proc/self/mountinfo
	find /sys/fs/bpf "$s" -mindepth 1 2>/dev/null | sort | sed 's/^/file /'
	"$iter" list maps | awk '$2 ~ /^faultinj/ || $2 == "fill_pinned" { print "map", $2 }'
}

# The kernel frees a map when its last fd closes, but an RCU grace period can pass first.
state_settled() {
	local expected=$1 now
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		now=$(state)
		[ "$now" = "$expected" ] && break
		sleep 0.1
	done
	printf '%s\n' "$now"
}

# Every signal whose default action ends a process, real-time ones included (by number).
signals=(TERM INT HUP QUIT USR1 USR2 ALRM XCPU XFSZ VTALRM PROF IO PWR SYS 34 40 64)
ulimit -c 0
runs=0 faults=0 single=0 undo=0 signalled=0 clean=0 succeeded=0 leaks=0 deaths=0 hangs=0
report() { echo "FAIL [$1]: $2"; }

# run_case LABEL SCENARIO EXPECT STRACE_ARGS...: one pin under strace with the given injections.
# EXPECT: "clean" (nothing may be left behind), or "reported" (the undo was made to fail: what is
# left must be named in the error).
run_case() {
	local label=$1 scenario=$2 expect=$3
	shift 3
	setup "$scenario"
	local before
	# The kernel frees the maps of the previous run once an RCU grace period has passed.
	for _ in $(seq 20); do
		before=$(state)
		grep -q '^map ' <<<"$before" || break
		sleep 0.1
	done
	local log=$work/logs/strace err=$work/logs/err out=$work/logs/out
	# In a subshell whose own stderr is dropped: it reports the signal that ends strace.
	# Signals at their default action: whoever started this script may have some ignored.
	( cd "$cwd" && timeout -s KILL 60 env --default-signal strace -f -o "$log" "$@" "$iter" pin "$object" "$path" \
		>"$out" 2>"$err" ) 2>/dev/null
	local status=$?
	runs=$((runs + 1))
	local problem=
	if [ "$status" = 137 ] && ! grep -q '+++ killed by SIGKILL' "$log"; then
		hangs=$((hangs + 1)); problem="hung (killed after 60 s)"
	elif [ "$expect" = signal ]; then
		# Ended by the signal (or finished first): nothing left, or a complete pin.
		if ( cd "$cwd" && [ -e "$path" ] ); then
			if ( cd "$cwd" && head -c 100 "$path" >/dev/null ) && [ -e "$pinned_map" ]; then
				succeeded=$((succeeded + 1))
			else
				leaks=$((leaks + 1)); problem="an incomplete pin after the signal"
			fi
		elif [ "$(state_settled "$before")" != "$before" ]; then
			leaks=$((leaks + 1))
			problem="left behind after the signal: $(diff <(printf '%s\n' "$before") <(state) | grep '^[<>]' | tr '\n' ' ')"
		else
			clean=$((clean + 1))
		fi
	elif grep -q '+++ killed by' "$log"; then
		deaths=$((deaths + 1)); problem="died: $(grep -o '+++ killed by [A-Z0-9]*' "$log" | head -1)"
	elif [ "$status" = 0 ]; then
		if [ -s "$err" ]; then
			problem="exit 0 with stderr: $(head -c 300 "$err")"
		elif ! ( cd "$cwd" && head -c 100 "$path" >/dev/null ); then
			problem="exit 0 but the pin at $path cannot be read"
		else
			succeeded=$((succeeded + 1))
		fi
	else
		local first lines
		first=$(head -1 "$err")
		lines=$(grep -vc '^  \|^verifier log' "$err")
		local after
		after=$(state_settled "$before")
		if [[ "$first" != "Error: "* ]] || [ "$lines" != 1 ]; then
			problem="exit $status without one Error: line: $(head -c 300 "$err")"
		elif [ "$after" != "$before" ]; then
			if [ "$expect" = reported ] && [[ "$first" == *"left behind: "* ]]; then
				clean=$((clean + 1))
			else
				leaks=$((leaks + 1))
				problem="left behind: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep '^[<>]' | tr '\n' ' ') ($first)"
			fi
		elif [[ "$first" == *"left behind"* ]]; then
			problem="says something was left behind, but nothing was: $first"
		else
			clean=$((clean + 1))
		fi
	fi
	if [ -n "$problem" ]; then
		report "$label" "$problem"
	elif [ "${FAULTS_VERBOSE:-0}" = 1 ]; then
		echo "ok [$label]: exit $status $(head -1 "$err")"
	fi
	teardown
}

# Each call of these, failed in turn with this errno. openat and mmap also reach libc's own use
# (the allocator maps memory: iter must then report that it ran out of it).
declare -A errno_of=(
	[bpf]=EPERM [openat]=EACCES [mount]=EPERM [umount2]=EBUSY [statx]=ENOSYS [statfs]=EIO
	[newfstatat]=EACCES [readlink]=EIO [flock]=ENOLCK [read]=EIO [pread64]=EIO [mmap]=ENOMEM
	[unlink]=EBUSY [getdents64]=EIO [rt_sigprocmask]=EINVAL [prlimit64]=EPERM [uname]=EFAULT
)
traced=$(IFS=,; echo "${!errno_of[*]}")

for scenario in "${scenarios[@]}"; do
	# A clean run first, to count the calls of each kind this scenario makes.
	setup "$scenario"
	( cd "$cwd" && strace -f -qq -o "$work/logs/count" -e trace="$traced" "$iter" pin "$object" "$path" >/dev/null 2>&1 ) ||
		{ echo "faults.sh: the clean run of '$scenario' failed" >&2; teardown; exit 1; }
	teardown
	declare -A count=()
	for call in "${!errno_of[@]}"; do
		count[$call]=$(grep -c "^[0-9]* *$call(" "$work/logs/count" || true)
	done
	# Single faults: call N of each kind fails.
	for call in "${!errno_of[@]}"; do
		for ((n = 1; n <= count[$call]; n++)); do
			faults=$((faults + 1)); single=$((single + 1))
			run_case "$scenario: $call #$n ${errno_of[$call]}" "$scenario" clean \
				-e trace="$call" -e inject="$call:error=${errno_of[$call]}:when=$n"
		done
	done
	# Signals at every step: call N of each kind brings a signal whose default action ends the
	# process (a different one each time). iter must end by it with nothing left behind, or with
	# a complete pin if the signal came after the pin (held signals are delivered then).
	k=0
	for call in "${!errno_of[@]}"; do
		for ((n = 1; n <= count[$call]; n++)); do
			sig=${signals[$((k % ${#signals[@]}))]}
			k=$((k + 1)); faults=$((faults + 1)); signalled=$((signalled + 1))
			run_case "$scenario: $call #$n brings signal $sig" "$scenario" signal \
				-e trace="$call" -e inject="$call:signal=$sig:when=$n"
		done
	done
	[ "$scenario" = bpffs ] && continue
	# The undo: the link's pin (the last BPF_OBJ_PIN) fails, and so do the calls that undo the
	# mount steps: each umount2 and mount call once, then every umount2 or every mount call.
	pin_call=$(grep '^[0-9]* *bpf(' "$work/logs/count" | grep -n 'BPF_OBJ_PIN' | tail -1 | cut -d: -f1)
	for call in umount2 mount; do
		for n in 1 2 3 4; do
			faults=$((faults + 2)); undo=$((undo + 1))
			run_case "$scenario: pin fails, then $call #$n of the undo" "$scenario" clean -e trace="bpf,$call" \
				-e inject="bpf:error=EPERM:when=$pin_call" -e inject="$call:error=EBUSY:when=$((n + count[$call]))"
		done
		faults=$((faults + 2)); undo=$((undo + 1))
		run_case "$scenario: pin fails, then every $call of the undo" "$scenario" reported -e trace="bpf,$call" \
			-e inject="bpf:error=EPERM:when=$pin_call" -e inject="$call:error=EBUSY:when=$((1 + count[$call]))+"
	done
done

echo "faults: $runs runs, $faults faults injected ($single single, $signalled signals, $undo runs failing the undo too)," \
	"$clean failed cleanly, $succeeded succeeded anyway, $leaks left something behind, $deaths died by a signal, $hangs hung"
other=$((runs - clean - succeeded - leaks - deaths - hangs))
[ "$leaks" = 0 ] && [ "$deaths" = 0 ] && [ "$hangs" = 0 ] && [ "$other" = 0 ]
