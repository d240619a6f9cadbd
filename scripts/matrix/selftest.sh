#!/usr/bin/env bash
# selftest.sh [run.sh options...]
#
# Checks the matrix itself without a real iter: builds a tiny static stand-in (`help` exits 0,
# anything else prints "Error: stand-in" and exits 1) with gcc, and runs run.sh with it and an
# empty fixtures directory. Extra arguments go to run.sh (e.g. --kernels 6.1).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! command -v gcc >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/libc.a ]; then
  [ "$(id -u)" = 0 ] || { echo "selftest: needs gcc and libc6-dev" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc libc6-dev >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/iter-matrix-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/fixtures"
cat >"$tmp/standin.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "help") == 0) { puts("Usage: iter { pin OBJ PATH | help } (stand-in)"); return 0; }
  fputs("Error: stand-in\n", stderr);
  return 1;
}
C
gcc -static -Os -s -o "$tmp/iter" "$tmp/standin.c"
"$here/run.sh" --iter "$tmp/iter" --fixtures "$tmp/fixtures" "$@"
