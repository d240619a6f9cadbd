#!/usr/bin/env bash
# Everything CI runs: installs the test-only tools, lints (scripts/lint.sh), builds the static
# binaries (glibc and musl, for x86-64 and aarch64), runs the Swift test suites (unit and
# end-to-end, against the debug and both x86-64 static binaries), runs `swift test` again as the
# unprivileged user nobody on a clean clone of the committed HEAD (no root, and no host kernel
# needed: the planning, CO-RE and bad-object suites must run there against Tests/Data, not skip),
# checks the aarch64 binaries against the x86-64 one under qemu-user, fuzzes each libFuzzer target
# for 60 seconds, runs the QEMU kernel matrix (amd64 and arm64 guests), builds the release (four
# binaries, two Debian packages, lintian) and installs the amd64 package with apt. Every step runs
# even when an earlier one failed, so one run shows everything; the last line is
# `total: N passed, N failed` (steps) and the exit status is non-zero if any step failed. Needs
# root (BPF) on a Debian machine with Swift at /opt/swift.
#
#   scripts/test.sh            (FUZZ_SECONDS=60 per target by default; 0 skips fuzzing)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
. scripts/packages.sh

# Test tools, and the cross toolchains and arm64 packages of the aarch64 builds and guests (the
# :arm64 ones add the arm64 architecture to dpkg).
need_packages bpftool file groff-base man-db qemu-system-x86 busybox-static cpio util-linux python3 musl-tools strace \
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu linux-libc-dev:arm64 musl-dev:arm64 \
	qemu-system-arm qemu-user-static dpkg-dev lintian ||
	{ echo "test.sh: apt-get install failed"; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p .build

passed=()
failed=()
failed_logs=()
steps=0
mkdir -p .build/steps
# step NAME COMMAND...: runs it, records the outcome. Its output goes to the terminal and to
# .build/steps/N.log, whose end is printed again under the summary if it failed: a CI page that
# shows only the last lines of a run still says why.
step() {
	local name=$1
	shift
	steps=$((steps + 1))
	local log=.build/steps/$steps.log
	echo
	echo "== $name"
	local started=$SECONDS
	"$@" 2>&1 | tee "$log"
	local status=${PIPESTATUS[0]}
	if [ "$status" = 0 ]; then
		passed+=("$name")
		echo "== $name: passed ($((SECONDS - started)) s)"
	else
		failed+=("$name")
		failed_logs+=("$log")
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
arm64=.build-static-aarch64/iter
arm64_musl=.build-musl-aarch64/iter
step "static binary (glibc)" bash -c "scripts/build-static.sh >/dev/null && file $static && stat -c '%s bytes' $static"
step "static binary (musl)" bash -c "scripts/build-musl.sh >/dev/null && file $musl && stat -c '%s bytes' $musl"
step "static binary (aarch64 glibc)" bash -c "scripts/build-static.sh --arch aarch64 >/dev/null && file $arm64 && stat -c '%s bytes' $arm64"
step "static binary (aarch64 musl)" bash -c "scripts/build-static.sh --arch aarch64 --libc musl >/dev/null && file $arm64_musl && stat -c '%s bytes' $arm64_musl"
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
if [ -x "$static" ] && [ -x "$arm64" ] && [ -x "$arm64_musl" ]; then
	step "aarch64 binaries under qemu-user: same output as x86-64" scripts/qemu-user-test.sh "$arm64" "$arm64_musl"
else
	failed+=("aarch64 binaries under qemu-user (a binary is missing)")
fi
if [ "${FUZZ_SECONDS:-60}" != 0 ]; then
	step "fuzz (${FUZZ_SECONDS:-60} s per target)" scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi
matrix=()
for binary in "$static" "$arm64"; do [ -x "$binary" ] && matrix+=(--iter "$binary"); done
if [ ${#matrix[@]} = 4 ]; then
	step "kernel matrix (amd64 and arm64)" scripts/matrix/run.sh "${matrix[@]}" --fixtures Tests/Fixtures
else
	[ ${#matrix[@]} = 0 ] || step "kernel matrix (one architecture)" scripts/matrix/run.sh "${matrix[@]}" --fixtures Tests/Fixtures
	failed+=("kernel matrix of both architectures (a static binary is missing)")
fi
step "release: four binaries, SHA256SUMS, Debian packages, lintian" scripts/release.sh --out dist
# apt install ./iter_VERSION_amd64.deb, then iter and its manual page from where the package put
# them; removed again unless iter was installed before.
apt_install_check() {
	local deb had=''
	deb=$(ls dist/iter_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "no package in dist/"; return 1; }
	dpkg-query -W -f='${Status}' iter 2>/dev/null | grep -q 'install ok installed' && had=1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb" >/dev/null || return 1
	local status=0
	dpkg -L iter
	/usr/sbin/iter version || status=1
	file /usr/sbin/iter
	man -P cat iter 2>/dev/null | head -n 5 | grep . || { echo "man iter shows nothing"; status=1; }
	[ -n "$had" ] || DEBIAN_FRONTEND=noninteractive apt-get purge -y -q iter >/dev/null || status=1
	return $status
}
step "apt install the amd64 package: iter and man iter" apt_install_check

echo
for name in "${passed[@]}"; do echo "passed: $name"; done
for name in "${failed[@]}"; do echo "FAILED: $name"; done
# Last, next to the total, the end of each failed step's output.
for log in "${failed_logs[@]}"; do
	echo "== the end of $log:"
	tail -n 20 "$log"
done
echo "total: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} = 0 ]
