#!/usr/bin/env bash
# The main job, start to finish: build the static iter, pin the bundled task iterator on bpffs,
# read it like any file, and remove the pin. Needs root and a kernel with BTF.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (BPF needs CAP_BPF and CAP_SYS_ADMIN)" >&2; exit 1; }
iter=$(scripts/build-static.sh)
echo "built $iter ($(stat -c %s "$iter") bytes, $(file -b "$iter" | cut -d, -f1-2))"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
dir=/sys/fs/bpf/iter_quickstart_$$
mkdir "$dir"
trap 'rm -rf "$dir"' EXIT
set -x
"$iter" pin Tests/Fixtures/iter_task.bpf.o "$dir/tasks"
# The first lines; not with head, which seeks the file back to where its answer ended, and an
# iterator cannot seek: GNU head then warns "Illegal seek".
sed -n 1,15p "$dir/tasks"
"$iter" show "$dir/tasks"
