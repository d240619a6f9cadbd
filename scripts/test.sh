#!/usr/bin/env bash
# Everything CI runs: installs the test-only tools, lints (scripts/lint.sh), builds the static
# binaries (glibc and musl), runs the Swift test suites (unit and end-to-end, against the debug and
# both static binaries), runs `swift test` again as the unprivileged user nobody on a clean clone of
# the committed HEAD (no root, and no host kernel needed: the planning, CO-RE and bad-object suites
# must run there against Tests/Data, not skip), fuzzes each libFuzzer target for 60 seconds, then
# runs the QEMU kernel matrix. Every step runs even when
# an earlier one failed, so one run shows everything; the last line is `total: N passed, N failed`
# (steps) and the exit status is non-zero if any step failed. Needs root (BPF) on a Debian machine
# with Swift at /opt/swift.
#
#   scripts/test.sh            (FUZZ_SECONDS=60 per target by default; 0 skips fuzzing)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

need=()
for pkg in bpftool file groff-base man-db qemu-system-x86 busybox-static cpio util-linux python3 musl-tools strace; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "test.sh: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null || { echo "test.sh: apt-get install failed"; exit 1; }
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p .build

passed=()
failed=()
# step NAME COMMAND...: runs it, records the outcome.
step() {
	local name=$1
	shift
	echo
	echo "== $name"
	local started=$SECONDS
	"$@"
	local status=$?
	if [ "$status" = 0 ]; then
		passed+=("$name")
		echo "== $name: passed ($((SECONDS - started)) s)"
	else
		failed+=("$name")
		echo "== $name: FAILED (exit $status, $((SECONDS - started)) s)"
	fi
}

# swift test with progress lines ("started") dropped; results, issues and the closing line stay.
swift_test() {
	local log=$1
	shift
	swift test "$@" 2>&1 | tee "$log" | grep -vE '^(◇|↳)'
	return "${PIPESTATUS[0]}"
}

# swift test as nobody, in a fresh clone of HEAD owned by nobody (with its own HOME for SwiftPM's
# caches); prints the closing line and which suites skipped and why. Fails if the run fails, or if
# a suite that must run without root (planning, CO-RE, kconfig, module BTF, the bad-object corpus at
# library level) was skipped or did not run.
swift_test_as_nobody() {
	local log=$1 dir status
	dir=$(mktemp -d /tmp/iter-nobody.XXXXXX) || return 1
	git clone -q "$PWD" "$dir/clone" && mkdir "$dir/home" && chown -R nobody "$dir" || { rm -rf "$dir"; return 1; }
	su nobody -s /bin/bash -c "cd '$dir/clone' && HOME='$dir/home' PATH=/opt/swift/usr/bin:\$PATH swift test" >"$log" 2>&1
	status=$?
	rm -rf "$dir"
	grep -E '^(✔|✘) Test run with|Executed [0-9]+ tests' "$log" | tail -2
	echo "skipped suites (run as nobody):"
	grep -E '^➜ Suite ' "$log" | sed 's/^➜ Suite /  /' | sort -u
	local suite
	for suite in "planning objects with other programs, map-in-map and program arrays" "CO-RE against kernel BTF" \
		"kconfig externs" "planning every fixture against the kernel snapshot" "module BTF of the kernel snapshot" \
		"bad-input corpus at library level: the command's message for each file"; do
		grep -qF "✔ Suite \"$suite\" passed" "$log" || { echo "not run as nobody: $suite"; status=1; }
	done
	return $status
}

step "doc comments on every public declaration" python3 scripts/check-docs.py
step "lint (swift format lint --strict, .swift-format)" scripts/lint.sh
static=.build-static/iter
musl=.build-musl/iter
step "static binary (glibc)" bash -c "scripts/build-static.sh >/dev/null && file $static && stat -c '%s bytes' $static"
step "static binary (musl)" bash -c "scripts/build-musl.sh >/dev/null && file $musl && stat -c '%s bytes' $musl"
step "quickstart (the README's first command)" bash scripts/quickstart.sh
if [ -x "$static" ]; then
	step "swift test (debug and glibc static binary)" env ITER_STATIC_BINARY="$PWD/$static" bash -c "$(declare -f swift_test); swift_test .build/test.log"
else
	step "swift test (debug binary)" bash -c "$(declare -f swift_test); swift_test .build/test.log"
fi
step "swift test as nobody on a clean clone (no root, no host kernel BTF)" swift_test_as_nobody .build/test-nobody.log
if [ -x "$musl" ]; then
	step "swift test EndToEnd (musl static binary)" env ITER_STATIC_BINARY="$PWD/$musl" bash -c "$(declare -f swift_test); swift_test .build/test-musl.log --filter EndToEnd"
fi
if [ "${FUZZ_SECONDS:-60}" != 0 ]; then
	step "fuzz (${FUZZ_SECONDS:-60} s per target)" scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi
if [ -x "$static" ]; then
	step "kernel matrix" scripts/matrix/run.sh --iter "$static" --fixtures Tests/Fixtures
else
	failed+=("kernel matrix (no static binary)")
fi

echo
for name in "${passed[@]}"; do echo "passed: $name"; done
for name in "${failed[@]}"; do echo "FAILED: $name"; done
echo "total: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} = 0 ]
