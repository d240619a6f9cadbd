#!/usr/bin/env bash
# Rebuilds the committed fixture objects from src/ with the toolchain's clang (21, BPF target).
# -mcpu=v3: ALU32 and JMP32 only, which every kernel from 5.1 on accepts (the matrix starts at 5.10).
# The big-endian copies (-target bpfeb: a task iterator, and globals and records whose values decode in that order) and the x86 object exist for the reader and its errors.
set -euo pipefail
cd "$(dirname "$0")"
clang=${CLANG:-/opt/swift/usr/bin/clang}
flags=(-g -O2 -mcpu=v3 -Wall -Werror -Iinclude)
for src in src/*.bpf.c; do
	name=$(basename "$src" .c)
	"$clang" -target bpf "${flags[@]}" -c "$src" -o "$name.o"
done
"$clang" -target bpfeb "${flags[@]}" -c src/iter_task.bpf.c -o iter_task.bpfeb.o
"$clang" -target bpfeb "${flags[@]}" -c src/iter_params.bpf.c -o iter_params.bpfeb.o
"$clang" -target bpfeb "${flags[@]}" -c src/iter_task_record.bpf.c -o iter_task_record.bpfeb.o
"$clang" -target x86_64-linux-gnu -O2 -c src/x86_program.c -o x86_program.o
# llvm-strip may not exist next to clang; BPF objects are kept with their symbols anyway.
ls -l *.o | awk '{ print $5, $9 }'
