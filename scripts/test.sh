#!/usr/bin/env bash
# Everything CI runs: installs the test-only tools, builds the static binary, runs the Swift test
# suites (unit and end-to-end, against both the debug and the static binary), then the QEMU kernel
# matrix. Needs root (BPF) on a Debian machine with Swift at /opt/swift.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

need=()
for pkg in bpftool file groff-base man-db qemu-system-x86 busybox-static cpio util-linux python3; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "test.sh: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

echo "== static binary"
static=$(scripts/build-static.sh)
file "$static"

echo "== swift test"
mkdir -p .build
set +e
# Progress lines ("started") are dropped; results, issues and the closing line stay.
ITER_STATIC_BINARY=$PWD/$static swift test 2>&1 | tee .build/test.log | grep -vE '^(◇|↳)'
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || { echo "test.sh: swift test failed (exit $status)"; exit "$status"; }

echo "== kernel matrix"
scripts/matrix/run.sh --iter "$static" --fixtures Tests/Fixtures
