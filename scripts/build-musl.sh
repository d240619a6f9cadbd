#!/usr/bin/env bash
# Builds iter fully static against musl (musl-tools), stripped: scripts/build-static.sh --libc musl.
# Prints the path of the binary.
#
#   scripts/build-musl.sh [--out PATH]      default: .build-musl/iter
#
# Test it like the glibc one: ITER_STATIC_BINARY=$PWD/.build-musl/iter swift test --filter EndToEnd
exec "$(dirname "$0")/build-static.sh" --libc musl "$@"
