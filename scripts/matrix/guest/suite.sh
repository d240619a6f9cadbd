#!/bin/sh
# suite.sh: the test cases run inside every matrix kernel (busybox sh, POSIX).
#
# Add a case: define a function `t_<name>() {` at the start of a line (cases run in file order).
# Use the helpers of lib.sh (run, assert_*, skip, info, need_iter, need_kernel ...); the case
# runs in a subshell, in a fresh scratch directory, with $T_BPF a fresh directory in bpffs.
# Available in the guest: /bin/iter (the static binary under test), /fixtures/*.o, busybox applets.
# shellcheck source=lib.sh disable=SC2034,SC2317  # variables read by lib.sh; cases are called indirectly
. "${0%/*}/lib.sh"

# ---------------------------------------------------------------- the framework itself

t_framework_run() {
  run echo hello
  assert_rc 0
  assert_out_eq hello
  assert_err_empty
  assert_out_lines 1
  run sh -c 'printf "a\nb\nc\n"; echo "Error: boom" >&2; exit 3'
  assert_rc 3
  assert_rc_not 0
  assert_out_lines 3
  assert_out_starts "a"
  assert_out_contains "b"
  assert_out_not_contains "z"
  assert_out_match '^c$'
  assert_err_starts "Error: "
  assert_err_eq "Error: boom"
  assert_err_lines 1
  run sh -c 'printf "no newline"'
  assert_out_lines 1
  assert_ok true
  assert_fails false
  assert_eq "$(printf x)" x "printf x"
}

t_framework_assertions_fail() {
  # Every assertion must fail (exit non-zero, say why) when its condition is false.
  run sh -c 'echo out; echo err >&2; exit 2'
  for a in "assert_rc 0" "assert_rc_not 2" "assert_out_eq nope" "assert_err_eq nope" \
           "assert_out_contains nope" "assert_out_not_contains out" "assert_err_starts Error:" \
           "assert_out_match ^x" "assert_out_lines 2" "assert_out_empty" "assert_eq 1 2" \
           "assert_ne 1 1" "assert_ok false" "assert_fails true" "assert_exists /nope" \
           "assert_not_exists /" "assert_dir /proc/version" "assert_nonempty /nope"; do
    if (T_REASON=$T_DIR/r; eval "$a"); then fail "'$a' did not fail"; fi
    [ -s "$T_DIR/r" ] || fail "'$a' failed without a reason"
    [ -e "$T_DIR/r.failed" ] || fail "'$a' did not mark the case failed"
    rm -f "$T_DIR/r" "$T_DIR/r.failed"
  done
}

t_framework_timeout() {
  RUN_TIMEOUT=1
  run sleep 10
  assert_rc 137
  f() { echo "in a function"; return 4; }
  run f
  assert_rc 4
  assert_out_eq "in a function"
}

# ---------------------------------------------------------------- the guest environment

t_kernel_version() {
  assert_ok grep -q '^Linux version ' /proc/version
  assert_eq "$(cat /proc/sys/kernel/osrelease)" "$KVER" "osrelease"
  kernel_at_least 5 10 || fail "kernel $KVER is older than 5.10"
  info "$(cat /proc/version)"
}

t_btf_vmlinux() {
  assert_nonempty /sys/kernel/btf/vmlinux
  # struct btf_header starts with magic 0xeB9F, version 1 (little endian on x86).
  assert_eq "$(od -An -tx1 -N3 /sys/kernel/btf/vmlinux | tr -d ' ')" 9feb01 "BTF magic+version"
  info "vmlinux BTF: $(wc -c </sys/kernel/btf/vmlinux) bytes"
}

t_mounts() {
  assert_ok grep -q ' /sys/fs/bpf bpf ' /proc/mounts
  assert_eq "$(stat -f -c %t /sys/fs/bpf)" cafe4a11 "statfs magic of /sys/fs/bpf"
  assert_ok grep -q ' /tmp tmpfs ' /proc/mounts
  assert_ok grep -q ' /dev devtmpfs ' /proc/mounts
  assert_dir "$T_BPF"
  assert_ok touch "$T_DIR/scratch"
}

t_iter_targets() {
  # A target X has its context struct bpf_iter__X and its FUNC bpf_iter_X in vmlinux BTF.
  # (strings: the BTF string section is NUL-separated; much faster than tr under TCG)
  strings -n 10 /sys/kernel/btf/vmlinux | grep '^bpf_iter_' | sort -u >names
  targets=
  # shellcheck disable=SC2013  # one word per line
  for c in $(sed -n 's/^bpf_iter__\([a-z0-9_]*\)$/\1/p' names); do
    if grep -qx "bpf_iter_$c" names; then targets="$targets $c"; fi
  done
  info "targets:$targets"
  has() { case " $targets " in *" $1 "*) return 0 ;; esac; return 1; }
  for t in task task_file bpf_map bpf_map_elem sockmap; do   # all in 5.10
    has "$t" || fail "target $t missing on $KVER"
  done
  if kernel_at_least 5 12; then has task_vma || fail "task_vma missing on $KVER"; fi
  if kernel_at_least 6 0; then
    has ksym || fail "ksym missing on $KVER"
  else
    has ksym && fail "ksym present on $KVER (expected from 6.0)"
  fi
  if kernel_at_least 6 1; then has cgroup || fail "cgroup missing on $KVER"; fi
  return 0
}

t_fixtures() {
  set -- "$FIXTURES"/*.o
  [ -e "$1" ] || skip "no fixture objects in $FIXTURES"
  for o in "$@"; do
    # ELF64 (2), little endian (1); e_machine 247 (0xf7, EM_BPF)
    assert_eq "$(od -An -tx1 -N6 "$o" | tr -d ' ')" 7f454c460201 "ELF header of $o"
    assert_eq "$(od -An -tx1 -j18 -N2 "$o" | tr -d ' ')" f700 "e_machine of $o"
  done
  info "$# fixture objects"
}

# ---------------------------------------------------------------- iter

t_iter_help() {
  need_iter
  run "$ITER" help
  assert_rc 0
}

t_iter_pin_missing_object() {
  need_iter
  run "$ITER" pin "$FIXTURES/NOPE.o" "$T_BPF/x"
  assert_rc_not 0
  assert_err_starts "Error: "
  assert_not_exists "$T_BPF/x"
}

im_main "$0"
