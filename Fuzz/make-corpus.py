#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target under Fuzz/corpus/<target>/ from Tests/Fixtures/*.o.

    elf, plan  every fixture object, whole
    btf        every object's .BTF, behind the target's mode byte: 0 (object BTF), 1 (kernel-style,
               standalone) and 3 (split on top of the host's vmlinux)
    btfext     every object's .BTF.ext
    cli        command lines, arguments separated by NUL bytes
    values     settings (PATH=VALUE) and a NUL before the .BTF of the objects with globals

Seeds are named after what they came from, so the corpus can be regenerated and reviewed. libFuzzer
adds what it finds to the directory it is given first; scripts/fuzz.sh gives it a scratch directory,
so the committed corpus only changes when this script runs or when `FUZZ_MERGE=1 scripts/fuzz.sh`
merges the inputs that reached new coverage into it (those are named by their SHA-1, and this
script leaves them alone).
"""
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")


def sections(data):
    """{name: bytes} of an ELF64 file (either byte order)."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return {}
    e = "<" if data[5] == 1 else ">"
    shoff, = struct.unpack_from(e + "Q", data, 40)
    shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 58)
    headers = [struct.unpack_from(e + "IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = headers[shstrndx]
    out = {}
    for h in headers:
        start = names[4] + h[0]
        name = data[start:data.index(b"\0", start)].decode()
        if h[1] != 8:  # NOBITS
            out[name] = data[h[4]:h[4] + h[5]]
    return out


CLI = [
    ["pin", "iter_task.bpf.o", "/sys/fs/bpf/tasks"],
    ["-j", "pin", "a.o", "/sys/fs/bpf/x", "map", "id", "0x10"],
    ["-p", "-d", "p", "a.o", "/sys/fs/bpf/x", "map", "pinned", "/sys/fs/bpf/m", "prog", "dump"],
    ["pin", "a.o", "/sys/fs/bpf/x", "map", "name", "counts"],
    ["run", "a.o", "task", "tid", "1"],
    ["run", "a.o", "task", "pid_fd", "3", "prog", "x"],
    ["run", "a.o", "task", "main_thread_only"],
    ["--nomount", "run", "a.o", "cgroup", "path", "/sys/fs/cgroup", "order", "ancestors_up"],
    ["r", "a.o", "c", "id", "017", "o", "self_only"],
    ["list"],
    ["show"],
    ["show", "id", "7"],
    ["show", "/sys/fs/bpf/tasks"],
    ["--version"],
    ["-V"],
    ["help"],
    ["--", "pin", "-j", "/sys/fs/bpf/-x"],
    ["--js", "--pre", "--debu", "--nom", "--he"],
    ["cat", "/sys/fs/bpf/tasks", "interval", "0.25", "count", "3"],
    ["-j", "run", "a.o", "netns", "all", "type", "struct task_record"],
    ["c", "/sys/fs/bpf/x", "n", "pid", "1", "i", ".5"],
    ["run", "a.o", "task", "pid", "1", "pidns", "/proc/1/ns/pid", "t", "rec"],
]
# Settings of the globals of iter_params (every kind of value and path) and iter_btf_kinds (enums,
# a float, a struct with a tagged pointer), tried against every type of the object's BTF.
VALUES = {
    "iter_params": ["targ_tgid=-42", "show_threads=true", "mode=MODE_COUNT", "target_comm=bash", "ports=22,80,0x1bb",
                    "ports[3]=0b101", "limits.level=7", "limits.delta=-8", "limits.max_tasks=0o17", "snapshot_id=0xfeed",
                    "title=", "x[0].y=1"],
    "iter_btf_kinds": ["big=BIG_TWO", "small=-3", "ratio=1.5", "tagged_global.value=1", "tagged_global.pointer=0xffff"],
}
CLI_BPFTOOL = [
    ["iter", "pin", "a.o", "/sys/fs/bpf/x"],
    ["-j", "i", "p", "a.o", "/sys/fs/bpf/x", "m", "i", "3"],
    ["version"],
    ["prog", "show"],
]


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    for target in ["elf", "plan", "btf", "btfext", "cli", "values"]:
        directory = os.path.join(CORPUS, target)
        if os.path.isdir(directory):
            for old in os.listdir(directory):
                if not re.fullmatch(r"[0-9a-f]{40}", old):
                    os.unlink(os.path.join(directory, old))
    for fixture in sorted(os.listdir(FIXTURES)):
        if not fixture.endswith(".o"):
            continue
        with open(os.path.join(FIXTURES, fixture), "rb") as f:
            data = f.read()
        base = fixture[:-2]
        write("elf", fixture, data)
        write("plan", fixture, data)
        found = sections(data)
        if ".BTF" in found:
            for mode, label in [(0, "object"), (1, "kernel"), (3, "split")]:
                write("btf", f"{base}.{label}.btf", bytes([mode]) + found[".BTF"])
        if ".BTF.ext" in found:
            write("btfext", f"{base}.btf.ext", found[".BTF.ext"])
        for i, setting in enumerate(VALUES.get(base.split(".")[0], []) if ".BTF" in found else []):
            write("values", f"{base}.{i:02}", setting.encode() + b"\0" + found[".BTF"])
    for i, args in enumerate(CLI):
        write("cli", f"iter-{i:02}", b"\0".join(a.encode() for a in args))
    for i, args in enumerate(CLI_BPFTOOL):
        write("cli", f"bpftool-{i:02}", b"\0".join(a.encode() for a in args))
    total = 0
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        total += size
        print(f"{target}: {len(files)} files, {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    sys.exit(main())
