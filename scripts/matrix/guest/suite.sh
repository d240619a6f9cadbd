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
  set -- "$FIXTURES"/*.bpf.o
  [ -e "$1" ] || fail "no fixture objects in $FIXTURES"
  for o in "$@"; do
    # ELF64 (2), little endian (1); e_machine 247 (0xf7, EM_BPF)
    assert_eq "$(od -An -tx1 -N6 "$o" | tr -d ' ')" 7f454c460201 "ELF header of $o"
    assert_eq "$(od -An -tx1 -j18 -N2 "$o" | tr -d ' ')" f700 "e_machine of $o"
  done
  # The big-endian copy (for the reader's tests and the byte-order error).
  assert_eq "$(od -An -tx1 -N6 "$FIXTURES/iter_task.bpfeb.o" | tr -d ' ')" 7f454c460202 "ELF header of the bpfeb object"
  info "$# fixture objects"
}


# ---------------------------------------------------------------- iter: helpers

# pin OBJ NAME [ARGS...]: pin fixture OBJ at $T_BPF/NAME (run's RC/OUT/ERR are set).
pin() { _o=$1 _n=$2; shift 2; run "$ITER" pin "$FIXTURES/$_o" "$T_BPF/$_n" "$@"; }
# readpin NAME: cat the pinned iterator (stdout in $OUT / $T_OUT).
readpin() { run cat "$T_BPF/$1"; assert_rc 0; }
# expect_error SUBSTRING: the last run failed with an "Error: " line containing SUBSTRING.
expect_error() {
  assert_rc_not 0
  assert_err_starts "Error: "
  assert_err_contains "$1"
}
processes() { ls -d /proc/[0-9]* | wc -l; }
tasks() { ls -d /proc/[0-9]*/task/[0-9]* | wc -l; }
# within A B SLACK WHAT: |A - B| <= SLACK.
within() {
  _d=$(($1 - $2)); [ "$_d" -lt 0 ] && _d=$((-_d))
  [ "$_d" -le "$3" ] || fail "$1 and $2 differ by more than $3 ($4)"
}

# ---------------------------------------------------------------- iter: every fixture

t_help_version() {
  run "$ITER" help
  assert_rc 0
  assert_out_contains "pin OBJ PATH"
  run "$ITER" version
  assert_rc 0
  assert_out_contains "features: embedded, static"
}

t_task() {
  pin iter_task.bpf.o tasks
  assert_rc 0
  assert_err_empty
  readpin tasks
  assert_out_starts "    pid    tgid comm"
  assert_out_match "^ *$$ +$$ sh$"
  within "$(($(lines "$T_OUT") - 1))" "$(tasks)" 6 "tasks vs /proc"
  rm "$T_BPF/tasks"
  assert_not_exists "$T_BPF/tasks"
}

t_counter() {
  pin iter_counter.bpf.o counter
  assert_rc 0
  readpin counter
  n=$(grep -c '^count ' "$T_OUT")
  assert_out_contains "total $((3 * n)) step 3"
  assert_out_starts "count 3"
  readpin counter   # the .bss counter survives between reads
  assert_out_contains "total $((3 * n + 3 * $(grep -c '^count ' "$T_OUT"))) step 3"
}

t_subprograms() {
  pin iter_subprog.bpf.o threads
  assert_rc 0
  readpin threads
  assert_out_match "^$$ leader$"
}

t_global_function() {
  pin iter_global_func.bpf.o weights
  assert_rc 0
  readpin weights
  assert_out_match "^$$ 10$"
}

t_bpf_loop_callback() {
  pin iter_loop.bpf.o loop
  if kernel_at_least 5 17; then
    assert_rc 0
    readpin loop
    # n = pid % 5 + 1, sum = n (n + 1) / 2 on every line.
    bad=$(awk '{ n = $1 % 5 + 1; if ($2 != n || $3 != n * (n + 1) / 2) print }' "$T_OUT" | head -1)
    assert_eq "$bad" "" "a wrong line"
  else
    # Callbacks arrived in 5.13 and bpf_loop (helper 181) in 5.17: the refusal is explained
    # (5.10 refuses the callback's ld_imm64 before its verifier writes a log).
    expect_error "can't load objfile"
    if kernel_at_least 5 13; then
      assert_err_contains "verifier rejected it"
      assert_err_contains "calls a helper this kernel does not have"
    else
      assert_err_contains "this kernel does not support callback functions"
    fi
  fi
}

t_hash_map_scratch() {
  # LRU hash of 16384 entries: on 5.10 this needs RLIMIT_MEMLOCK raised, which iter does itself.
  info "RLIMIT_MEMLOCK $(ulimit -l) KiB"
  pin iter_hash.bpf.o processes
  assert_rc 0
  readpin processes
  within "$(lines "$T_OUT")" "$(processes)" 6 "processes vs /proc"
  assert_out_match "^process $$ sh$"
}

t_btf_rewritten_for_the_kernel() {
  run "$ITER" -d pin "$FIXTURES/iter_btf_kinds.bpf.o" "$T_BPF/kinds"
  assert_rc 0
  if ! kernel_at_least 5 13; then assert_err_contains "BTF rewritten for this kernel: no FLOAT, DECL_TAG, TYPE_TAG, ENUM64"; fi
  if kernel_at_least 6 0; then assert_err_not_contains "BTF rewritten"; fi
  readpin kinds
  assert_out_match "^$$ $((2 * $$)) 20000000000 -3$"
}

t_two_programs() {
  pin iter_two_progs.bpf.o first
  assert_rc 0
  readpin first
  assert_out_match "^pid $$$"
  pin iter_two_progs.bpf.o maps prog dump_maps
  assert_rc 0
  readpin maps
  assert_out_match "^map [0-9]+ iter_two.rodata$"
  pin iter_two_progs.bpf.o optional prog dump_optional
  assert_rc 0
  readpin optional
  assert_out_match "^optional $$$"
  pin iter_two_progs.bpf.o nope prog no_such_prog
  expect_error "no program named 'no_such_prog' in the object (programs: dump_pids, dump_maps, dump_optional)"
}

t_mixed_program_types() {
  # An iterator among fentry, raw_tp, tp, kprobe, syscall and xdp programs: only it loads.
  pin iter_mixed_progs.bpf.o tasks
  assert_rc 0
  readpin tasks
  assert_out_match "^pid $$ tgid $$$"
  pin iter_mixed_progs.bpf.o maps prog dump_maps
  assert_rc 0
  readpin maps
  assert_out_match "^map [0-9]+ iter_mix.rodata$"
  pin iter_mixed_progs.bpf.o kprobe prog on_open
  expect_error "program 'on_open' in section 'kprobe/do_sys_open' is a kprobe program, not an iterator program (iterator programs: dump_task, dump_maps)"
}

t_second_iterator_alone() {
  pin iter_refused_first.bpf.o files prog dump_files
  assert_rc 0
  readpin files
  assert_out_match "^pid [0-9]+ fd [0-9]+$"
}

t_map_in_map() {
  pin iter_map_in_map.bpf.o mim
  assert_rc 0
  readpin mim
  assert_out_lines 6
  for line in "outer_arr[0] present" "outer_arr[1] empty" "outer_arr[2] present" "outer_arr[3] empty" \
    "outer_hash[1] present" "outer_empty[0] empty"; do
    assert_out_contains "$line"
  done
  pin iter_mim_index_out_of_range.bpf.o bad
  expect_error "map 'outer_short': slot [3] ('inner_a') is beyond max_entries 2"
}

t_program_array() {
  run "$ITER" run "$FIXTURES/iter_prog_array.bpf.o"
  assert_rc 0
  assert_out_lines 3
  assert_out_starts "main"
  assert_out_match "^tail_a pid [0-9]+$"
  assert_out_contains "tail_b"
}

t_core_relocations() {
  run "$ITER" -d run "$FIXTURES/iter_task.bpf.o"
  assert_rc 0
  assert_err_match "relo #[0-9]+: byte_off .*struct task_struct.pid .* -> \[[0-9]+\] struct task_struct.pid"
}

t_core_reordered_layout() {
  # Local fields reordered, one left out, a flavor and a missing field: the right values anyway.
  run "$ITER" run "$FIXTURES/iter_core_layout.bpf.o"
  assert_rc 0
  assert_out_match "^exists 1 missing 0 enum 2 types 1 0 size [0-9]+$"
  assert_out_match "^ *$$ +$$ sh [01]$"
  run "$ITER" run "$FIXTURES/iter_core_unguarded.bpf.o"
  expect_error "program 'read_missing': relo #1: field 'task_struct.iter_no_such_field' not found in kernel"
}

t_task_file() {
  pin iter_task_file.bpf.o files
  assert_rc 0
  readpin files
  assert_out_match "^[0-9]+ 1$"
}

t_task_vma() {
  pin iter_task_vma.bpf.o vmas
  if kernel_at_least 5 12; then
    assert_rc 0
    readpin vmas
    assert_out_match "^[0-9]+ [0-9a-f]+ [0-9a-f]+$"
  else
    expect_error "iterator target 'task_vma' not found in kernel BTF"
  fi
}

t_netlink() {
  pin iter_netlink.bpf.o netlink
  assert_rc 0
  readpin netlink
  assert_out_match "^16 [0-9]+$"   # AF_NETLINK
}

t_ksym() {
  run "$ITER" run "$FIXTURES/iter_ksym.bpf.o"
  if kernel_at_least 6 0; then
    assert_rc 0
    assert_out_match "^[Tt] bpf_iter_run_prog$"
    [ "$(lines "$T_OUT")" -gt 10000 ] || fail "only $(lines "$T_OUT") symbols"
  else
    expect_error "iterator target 'ksym' not found in kernel BTF"
  fi
}

t_cgroup_orders() {
  root=/sys/fs/cgroup
  mkdir -p $root/m/a/b || fail "cannot make a cgroup tree"
  m=$(stat -c %i $root/m) a=$(stat -c %i $root/m/a) b=$(stat -c %i $root/m/a/b)
  pin iter_cgroup.bpf.o pre cgroup path $root/m order descendants_pre
  if kernel_at_least 6 1; then
    assert_rc 0
    readpin pre
    assert_eq "$(cut -d' ' -f1 "$T_OUT" | tr '\n' ' ')" "$m $a $b " "descendants_pre"
    pin iter_cgroup.bpf.o post cgroup path $root/m order descendants_post
    readpin post
    assert_eq "$(cut -d' ' -f1 "$T_OUT" | tr '\n' ' ')" "$b $a $m " "descendants_post"
    pin iter_cgroup.bpf.o up cgroup id "$b" order ancestors_up
    readpin up
    assert_eq "$(head -3 "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" "$b $a $m " "ancestors_up"
    pin iter_cgroup.bpf.o self cgroup path $root/m/a order self_only
    readpin self
    assert_out_eq "$a 2"
  else
    expect_error "iterator target 'cgroup' not found in kernel BTF"
  fi
  rmdir $root/m/a/b $root/m/a $root/m
}

t_task_options() {
  sleep 30 &
  child=$!
  pin iter_task.bpf.o one task tid "$child"
  if kernel_at_least 6 1; then
    assert_rc 0
    readpin one
    assert_eq "$(lines "$T_OUT")" 2 "header and one task"
    assert_out_match "^ *$child +$child sleep$"
    pin iter_task.bpf.o proc task pid $$
    assert_rc 0
    readpin proc
    assert_out_match "^ *$$ +$$ sh$"
  else
    # Refused from the kernel's BTF (its union bpf_iter_link_info has only map), before loading.
    expect_error "task tid $child: not supported by this kernel (its union bpf_iter_link_info has no 'task'); task iterator options need Linux 6.1 or later"
    assert_rc 255
    assert_not_exists "$T_BPF/one"
    pin iter_task.bpf.o proc task pid $$
    expect_error "task iterator options need Linux 6.1 or later"
  fi
  kill "$child"
}

t_main_thread_only() {
  pin iter_task.bpf.o leaders task main_thread_only
  assert_rc 0
  readpin leaders
  within "$(($(lines "$T_OUT") - 1))" "$(processes)" 4 "one line per process"
  assert_eq "$(awk 'NR > 1 && $1 != $2' "$T_OUT" | head -1)" "" "a non-leader line"
}

t_map_elements() {
  pin iter_map_fill.bpf.o fill
  assert_rc 0
  readpin fill
  filled=$(lines "$T_OUT")
  assert_exists /sys/fs/bpf/fill_pinned
  # Map ids from the bpf_map iterator of another fixture.
  run "$ITER" run "$FIXTURES/iter_two_progs.bpf.o" prog dump_maps
  hash_id=$(awk '$3 == "fill_hash" { print $2 }' "$T_OUT")
  [ -n "$hash_id" ] || fail "fill_hash not listed by the bpf_map iterator"
  for spec in "name fill_hash" "id $hash_id" "pinned /sys/fs/bpf/fill_pinned" "name fill_percpu"; do
    # shellcheck disable=SC2086  # spec is two words
    run "$ITER" run "$FIXTURES/iter_map_elem.bpf.o" map $spec
    assert_rc 0
    assert_eq "$(lines "$T_OUT")" "$filled" "elements of map $spec"
    assert_eq "$(awk '$2 != 2 * $1' "$T_OUT" | head -1)" "" "a value that is not 2 * key ($spec)"
  done
  run "$ITER" run "$FIXTURES/iter_map_elem.bpf.o" map name fill_array
  assert_rc 0
  assert_eq "$(lines "$T_OUT")" 64 "array elements"
  pin iter_map_elem.bpf.o elems map name fill_hash
  assert_rc 0
  run "$ITER" show "$T_BPF/elems"
  assert_out_contains "map_id $hash_id"
  run "$ITER" run "$FIXTURES/iter_map_elem.bpf.o" map name no_such_map
  expect_error "no map named 'no_such_map'"
  run "$ITER" run "$FIXTURES/iter_map_elem.bpf.o"
  expect_error "attach_iter failed for program dump_elems"
  rm -f /sys/fs/bpf/fill_pinned
}

t_list() {
  run "$ITER" list
  assert_rc 0
  assert_out_contains "task: struct task_struct *task [option: task]"
  assert_out_match "^bpf_map_elem: struct bpf_map \*map, void \*key, void \*value \[option: map\]"
  if kernel_at_least 6 0; then assert_out_match "^ksym: "; else assert_out_not_contains "ksym:"; fi
  if kernel_at_least 6 1; then assert_out_match "^cgroup: struct cgroup \*cgroup \[option: cgroup\]"; fi
}

t_show() {
  pin iter_task.bpf.o shown
  assert_rc 0
  run "$ITER" show
  assert_rc 0
  assert_out_match "^[0-9]+: iter  prog [0-9]+ name dump_task  target task$"
  assert_out_contains "	pinned $T_BPF/shown"
  rm "$T_BPF/shown"
  run "$ITER" show
  assert_out_not_contains "$T_BPF/shown"
}

t_run_to_closed_stdout() {
  run sh -c "$ITER run $FIXTURES/iter_task.bpf.o | head -1"
  assert_rc 0
  assert_out_eq "    pid    tgid comm"
  assert_err_empty
}

t_automount() {
  mkdir -p "$T_DIR/mnt" && mount -t tmpfs tmpfs "$T_DIR/mnt" || fail "no scratch tmpfs"
  run "$ITER" -n pin "$FIXTURES/iter_counter.bpf.o" "$T_DIR/mnt/c"
  expect_error "no BPF file system found, not mounting it due to --nomount option"
  run "$ITER" pin "$FIXTURES/iter_counter.bpf.o" "$T_DIR/mnt/c"
  assert_rc 0
  assert_eq "$(stat -f -c %t "$T_DIR/mnt")" cafe4a11 "bpffs mounted"
  assert_ok grep -q "^count 3" "$T_DIR/mnt/c"
  rm "$T_DIR/mnt/c"
  umount "$T_DIR/mnt" && umount "$T_DIR/mnt"
}

# ---------------------------------------------------------------- iter: reading (cat, interval, namespaces, type)

t_read_retry() {
  # A program that asks to retry its first element 3 times per read session: cat stops at EAGAIN,
  # iter cat and iter run retry and print everything.
  pin iter_retry.bpf.o retry
  assert_rc 0
  run cat "$T_BPF/retry"
  assert_rc_not 0
  assert_err_contains "Resource temporarily unavailable"
  for cmd in "cat $T_BPF/retry" "run $FIXTURES/iter_retry.bpf.o" "run $FIXTURES/iter_retry.bpf.o prog retry_later"; do
    # shellcheck disable=SC2086  # cmd is words
    run "$ITER" $cmd
    assert_rc 0
    assert_err_empty
    assert_eq "$(tail -n 1 "$T_OUT")" "done after 3 retries" "last line of iter $cmd"
    assert_out_match "^task $$$"
  done
  # One that always asks: bounded, then an Error line and 256 - EAGAIN.
  run "$ITER" run "$FIXTURES/iter_retry.bpf.o" prog retry_always
  assert_rc 245
  assert_out_empty
  assert_err_starts "Error: reading iterator of program retry_always: the program kept asking to retry: read() failed with EAGAIN "
}

t_read_element_too_large() {
  page=$(getconf PAGESIZE 2>/dev/null || echo 4096)
  run "$ITER" run "$FIXTURES/iter_big_element.bpf.o"
  assert_rc 249
  assert_out_empty
  assert_err_eq "Error: reading iterator of program big_first: one element's output is larger than the kernel's buffer of $((8 * page)) bytes (8 pages): Argument list too long (E2BIG)"
  run "$ITER" run "$FIXTURES/iter_big_element.bpf.o" prog big_later
  assert_rc 249
  assert_out_lines 3
  assert_err_contains "(E2BIG) (after $(wc -c <"$T_OUT") bytes of output)"
}

t_read_interval() {
  t0=$(date +%s)
  # Elapsed time from /proc/uptime (centiseconds, never set): a TCG guest's wall clock may be
  # adjusted between passes, so the headers' times are not what measures the interval here.
  up() { sed 's/^\([0-9]*\)\.\([0-9]*\) .*/\1\2/' /proc/uptime; }
  u0=$(up)
  run "$ITER" run "$FIXTURES/iter_task.bpf.o" interval 0.2 count 3
  u1=$(up)
  assert_rc 0
  assert_err_empty
  assert_eq "$(grep -c '^# pass ' "$T_OUT")" 3 "pass headers"
  assert_eq "$(grep '^# pass ' "$T_OUT" | cut -d' ' -f3 | tr '\n' ' ')" "1 2 3 " "pass numbers"
  assert_out_match '^# pass 1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
  assert_eq "$(grep -c '^    pid    tgid comm$' "$T_OUT")" 3 "whole passes"
  # Three passes 0.2 s apart take at least 0.4 s in all.
  [ $((u1 - u0)) -ge 40 ] || fail "three passes took $((u1 - u0)) cs, expected at least 40"
  info "three passes in $((u1 - u0)) cs"
  # A pin, as JSON lines.
  pin iter_task.bpf.o tasks
  run "$ITER" -j cat "$T_BPF/tasks" interval 0.1 count 2
  assert_rc 0
  assert_out_lines 2
  assert_out_match '^\{"pass":2,"time":"[0-9-]+T[0-9:.]+Z","output":"    pid    tgid comm\\n'
  [ $(($(date +%s) - t0)) -lt 25 ] || fail "interval took too long"
}

t_read_netns() {
  # A network namespace of our own with a listener on 127.0.0.1:47111 (0xB807): httpd, as busybox
  # nc listens on IPv6 (a tcp4 iterator skips those sockets).
  unshare -n sh -c "ip link set lo up; exec httpd -f -p 127.0.0.1:47111 -h $T_DIR" </dev/null >/dev/null 2>&1 &
  listener=$!
  i=0
  until grep -q ':B807 ' /proc/$listener/net/tcp 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { kill $listener; fail "no listener"; }
    sleep 0.1
  done
  line="tcp4 127.0.0.1:47111 state 10"
  inode=$(stat -L -c %i /proc/$listener/ns/net)
  run "$ITER" run "$FIXTURES/iter_tcp4.bpf.o"
  assert_rc 0
  assert_out_not_contains "$line"
  run "$ITER" run "$FIXTURES/iter_tcp4.bpf.o" netns /proc/$listener/ns/net
  assert_rc 0
  assert_out_eq "# netns $inode
$line"
  run "$ITER" run "$FIXTURES/iter_tcp4.bpf.o" netns all
  assert_rc 0
  assert_out_contains "# netns $inode
$line"
  assert_out_contains "# netns $(stat -L -c %i /proc/self/ns/net)"
  pin iter_tcp4.bpf.o tcp
  run "$ITER" -j cat "$T_BPF/tcp" netns pid $listener
  assert_rc 0
  assert_out_eq "{\"netns\":{\"inode\":$inode},\"output\":\"$line\\n\"}"
  kill $listener
}

t_read_pidns() {
  unshare -p -f sleep 60 </dev/null >/dev/null 2>&1 &
  outer=$!
  inner=
  i=0
  while [ -z "$inner" ]; do
    for s in /proc/[0-9]*/stat; do
      set -- $(sed 's/^.*) //' "$s" 2>/dev/null)
      [ "${2:-}" = "$outer" ] && { inner=${s#/proc/}; inner=${inner%/stat}; }
    done
    i=$((i + 1)); [ $i -lt 100 ] || break
    [ -n "$inner" ] || sleep 0.1
  done
  [ -n "$inner" ] || { kill $outer; fail "no process in the new pid namespace"; }
  run "$ITER" run "$FIXTURES/iter_task.bpf.o" pidns pid "$inner"
  assert_rc 0
  assert_out_eq "# pidns $(stat -L -c %i /proc/$inner/ns/pid)
    pid    tgid comm
$(printf '%7d %7d sleep' "$inner" "$inner")"
  kill "$inner" "$outer" 2>/dev/null
}

t_read_type() {
  run "$ITER" run "$FIXTURES/iter_task_record.bpf.o" type task_record
  assert_rc 0
  assert_err_empty
  assert_out_match "^pid=$$ tgid=$$ comm=\"sh\" policy=SCHED_NORMAL kernel_thread=false$"
  assert_out_match '^pid=2 tgid=2 comm="kthreadd" policy=SCHED_NORMAL kernel_thread=true$'
  assert_out_match '^pid=[0-9]+ tgid=[0-9]+ comm="migration/0" policy=SCHED_FIFO kernel_thread=true$'
  within "$(lines "$T_OUT")" "$(tasks)" 6 "records vs /proc"
  # From a pin: the kernel's copy of the program's BTF; -j, a JSON array.
  pin iter_task_record.bpf.o records
  run "$ITER" -j cat "$T_BPF/records" type task_record
  assert_rc 0
  assert_out_starts '[{"pid":'
  assert_out_contains "{\"pid\":$$,\"tgid\":$$,\"comm\":\"sh\",\"policy\":\"SCHED_NORMAL\",\"kernel_thread\":false}"
  run "$ITER" run "$FIXTURES/iter_task_record.bpf.o" type no_such_type
  expect_error "no struct, union, enum or integer type named 'no_such_type' in the program's BTF"
  run "$ITER" run "$FIXTURES/iter_task_record.bpf.o" prog dump_record_and_a_half type task_record
  expect_error "the output ends with a partial record: 5 bytes of a 32-byte struct task_record (after 1 whole record)"
  assert_out_lines 1
}

# An object whose .rodata holds only a local array's initialiser: its BTF has an empty .rodata
# DATASEC, which 5.10 and 5.11 refuse. iter rewrites it there and keeps the program's BTF, so the
# records still decode, from a run and from a pin.
t_empty_rodata() {
  run "$ITER" -d run "$FIXTURES/iter_empty_rodata.bpf.o" type pid_mark
  assert_rc 0
  assert_out_match '^tag="pid mark#001" pid=1$'
  assert_err_contains "BTF loaded: id"
  if kernel_at_least 5 12; then
    assert_err_not_contains "empty DATASEC"
  else
    assert_err_match "BTF rewritten for this kernel: no (.*, )?empty DATASEC"
    assert_err_contains "map 'iter_emp.rodata': .rodata has no variables in BTF, an empty DATASEC this kernel refuses: created without BTF"
  fi
  pin iter_empty_rodata.bpf.o marks
  assert_rc 0
  run "$ITER" cat "$T_BPF/marks" type pid_mark
  assert_rc 0
  assert_out_match '^tag="pid mark#001" pid=1$'
}

# ---------------------------------------------------------------- iter: externs

t_kconfig_externs() {
  cfg=/boot/config-$KVER
  rm -f "$cfg"
  # Debian kernels have no /proc/config.gz: without /boot/config-*, strong CONFIG_ externs fail clearly.
  run "$ITER" run "$FIXTURES/iter_kconfig.bpf.o"
  expect_error "extern 'CONFIG_"
  assert_err_contains "the kernel config is needed but could not be read (/boot/config-$KVER: No such file or directory (ENOENT)"
  mkdir -p /boot && cp "$FIXTURES/kconfig/config-$KVER" "$cfg" || fail "no config for $KVER in the fixtures"
  run "$ITER" run "$FIXTURES/iter_kconfig.bpf.o"
  assert_rc 0
  hz=$(sed -n 's/^CONFIG_HZ=//p' "$cfg")
  maj=${KVER%%.*}; rest=${KVER#*.}; min=${rest%%.*}; rest=${rest#*.}; patch=${rest%%[!0-9]*}
  assert_out_match "^hz $hz version $maj.$min.$patch$"
  jit=$(sed -n 's/^CONFIG_BPF_JIT=//p' "$cfg")
  case $jit in y) tri=1 ;; m) tri=2 ;; *) tri=0 ;; esac
  host=$(sed -n 's/^CONFIG_DEFAULT_HOSTNAME="\(.*\)"/\1/p' "$cfg")
  assert_out_match "^bpf_syscall 1 bpf_jit $tri bpf_events (121|110|109|48) hostname "
  assert_out_contains " hostname $host
missing"
  if kernel_at_least 5 15; then cookie=1; else cookie=0; fi
  assert_out_match "^missing 0 wrapper 1 cookie $cookie$"
  rm -f "$cfg"
}

t_ksym_externs() {
  run "$ITER" run "$FIXTURES/iter_ksyms.bpf.o"
  if ! strings -n 9 /sys/kernel/btf/vmlinux | grep -qx runqueues; then
    # This kernel's BTF describes no per-CPU variables (older pahole): a clear error, not a guess.
    expect_error "extern 'runqueues': no kernel variable 'runqueues' in vmlinux or module BTF"
    return 0
  fi
  if ! awk '$3 == "runqueues" { found = 1; exit } END { exit !found }' /proc/kallsyms; then
    # Built without CONFIG_KALLSYMS_ALL (Debian's arm64 kernels before 6.12): /proc/kallsyms has
    # no variables, so nothing tells where runqueues is.
    expect_error "this kernel lists no data symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL is off), so it cannot place __ksym variables"
    return 0
  fi
  assert_rc 0
  assert_out_match "^cpu0 nr_running [0-9]+$"
  assert_out_match "^(cpu0 bpf_prog_active [0-9]+|no bpf_prog_active)$"
  addr=$(awk '$3 == "bpf_iter_run_prog" { print $1 }' /proc/kallsyms | sed 's/^0*//')
  assert_out_contains "bpf_iter_run_prog $addr"
}

t_kfunc() {
  run "$ITER" run "$FIXTURES/iter_kfunc.bpf.o"
  if kernel_at_least 6 2; then
    assert_rc 0
    assert_out_match "^$$ $$$"
  else
    expect_error "extern 'bpf_task_from_pid': no kernel function 'bpf_task_from_pid' in vmlinux or module BTF"
  fi
  # Weak and guarded by bpf_ksym_exists(): loads everywhere, the guarded code runs where it exists.
  run "$ITER" run "$FIXTURES/iter_kfunc_weak.bpf.o"
  assert_rc 0
  if kernel_at_least 6 2; then assert_out_match "^bpf_task_from_pid [0-9]+$"; else assert_out_eq "no bpf_task_from_pid"; fi
}

t_set_globals() {
  # const volatile (.rodata, frozen), a custom .rodata.cfg, .data and .bss, set before loading.
  pin iter_params.bpf.o params set targ_tgid=$$ set show_threads=true set ports=443,8080 \
    set limits.level=7 set snapshot_id=0xabc set title=matrix set visited=5
  assert_rc 0
  readpin params
  assert_out_starts "config tgid=$$ threads=1 mode=0 comm= id=abc"
  assert_out_contains "ports=443,8080,0,0"
  assert_out_contains "limits max_tasks=0 min_pid=0 verbose=0 level=7 delta=-2"
  assert_out_contains "title=matrix kernel="
  assert_out_match "^task $$ $$$"
  run "$ITER" show "$T_BPF/params"
  assert_rc 0
  assert_out_contains "set targ_tgid=$$ set show_threads=true"
  assert_out_contains "set limits.level=7"
  run "$ITER" run "$FIXTURES/iter_params.bpf.o" set limits.level=8
  expect_error "limits.level: 8 is out of range for type 'unsigned int:3'"
  assert_rc 255
  run "$ITER" run "$FIXTURES/iter_params.bpf.o" set nope=1
  expect_error "no variable 'nope' to set in the object"
}

t_info() {
  run "$ITER" info "$FIXTURES/iter_params.bpf.o"
  assert_rc 0
  assert_out_contains "  targ_tgid = 0  (const volatile pid_t, .rodata+0, 4 bytes)"
  assert_out_contains "  snapshot: iter/task, target task, option task"
}

# ---------------------------------------------------------------- iter: bad input

t_bad_input() {
  : >"$T_DIR/empty.o"
  run "$ITER" pin "$T_DIR/empty.o" "$T_BPF/x"
  expect_error "file is 0 bytes, too short for an ELF64 header"
  assert_rc 255
  head -c 3000 "$FIXTURES/iter_task.bpf.o" >"$T_DIR/truncated.o"
  run "$ITER" pin "$T_DIR/truncated.o" "$T_BPF/x"
  expect_error "beyond end of file"
  run "$ITER" pin "$FIXTURES/x86_program.o" "$T_BPF/x"
  expect_error "not a BPF object: ELF machine is x86-64"
  run "$ITER" pin "$FIXTURES" "$T_BPF/x"
  expect_error "Is a directory (EISDIR)"
  run "$ITER" pin "$FIXTURES/NOPE.o" "$T_BPF/x"
  expect_error "No such file or directory (ENOENT)"
  assert_rc 254
  run "$ITER" pin "$FIXTURES/iter_no_program.bpf.o" "$T_BPF/x"
  expect_error "can't find bpf program in objfile"
  run "$ITER" pin "$FIXTURES/iter_bad_target.bpf.o" "$T_BPF/x"
  expect_error "iterator target 'no_such_target' not found in kernel BTF"
  run "$ITER" pin "$FIXTURES/iter_verifier_reject.bpf.o" "$T_BPF/x"
  expect_error "verifier rejected it"
  assert_err_contains "no NULL check"
  run "$ITER" pin "$FIXTURES/iter_counter.bpf.o" "$T_BPF/a.b"
  expect_error "contains a dot"
  assert_eq "$(ls "$T_BPF" | wc -l)" 0 "pins left behind"
}

# ---------------------------------------------------------------- iter: pin mode and owner, update, options from BTF

# pinid NAME: "LINK_ID PROG_ID PROG_NAME" of the iterator pinned at $T_BPF/NAME, from iter -j show.
pinid() {
  "$ITER" -j show "$T_BPF/$1" |
    sed -n 's/^\[{"id":\([0-9]*\),"type":"iter","prog_id":\([0-9]*\),"prog_name":"\([a-z_]*\)".*/\1 \2 \3/p'
}
# jfield NAME: a number or string field of the JSON object in $T_OUT.
jfield() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" "$T_OUT"; }

t_pin_mode_owner() {
  # No NSS in the guest (not even /etc): iter reads these two files itself.
  mkdir -p /etc
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\nitpins:x:4242:4343::/:/bin/sh\n' >/etc/passwd
  printf 'root:x:0:\nnogroup:x:65534:\nitpins:x:4343:\n' >/etc/group
  # /sys/fs/bpf is 0700 here: a bpffs of our own that others may enter.
  b=$T_DIR/bpf
  mkdir "$b" && mount -t bpf bpf "$b" && chmod 0755 "$b" || fail "no bpffs of our own"
  trap 'umount "$b" 2>/dev/null; rm -f /etc/passwd /etc/group' EXIT
  run "$ITER" -j pin "$FIXTURES/iter_task.bpf.o" "$b/shared" mode 0644 owner nobody
  assert_rc 0
  assert_eq "$(jfield mode) $(jfield uid) $(jfield gid)" "0644 65534 0" "pin -j"
  assert_eq "$(stat -c '%a %u %g' "$b/shared")" "644 65534 0" "mode and owner"
  run su -s /bin/sh nobody -c "cat $b/shared"
  assert_rc 0
  assert_out_starts "    pid    tgid comm"
  run "$ITER" pin "$FIXTURES/iter_task.bpf.o" "$b/private"
  assert_eq "$(stat -c '%a %u' "$b/private")" "600 0" "a pin without mode and owner"
  run su -s /bin/sh nobody -c "cat $b/private"
  assert_rc_not 0
  assert_err_contains "Permission denied"
  run "$ITER" pin "$FIXTURES/iter_counter.bpf.o" "$b/mine" owner itpins: mode u=r,g=r,o=
  assert_rc 0
  assert_eq "$(stat -c '%a %U %G' "$b/mine")" "440 itpins itpins" "USER: and a symbolic mode"
  run su -s /bin/sh itpins -c "cat $b/mine"
  assert_out_starts "count 3"
  run su -s /bin/sh nobody -c "cat $b/mine"
  assert_rc_not 0
  run "$ITER" show "$b/mine"
  assert_out_contains "	pinned $b/mine  mode 0440  owner itpins:itpins"
  run "$ITER" pin "$FIXTURES/iter_task.bpf.o" "$b/ghost" owner no_such_user
  expect_error "owner 'no_such_user': no such user in /etc/passwd (and not a number)"
  assert_rc 255
  assert_not_exists "$b/ghost"
}

t_update_in_place() {
  pin iter_task.bpf.o tasks mode 0644
  assert_rc 0
  set -- $(pinid tasks)
  link=$1 before=$2
  assert_eq "$3" dump_task "program before"
  # A reader that checks the path while the update runs.
  (while [ ! -e "$T_DIR/stop" ]; do [ -e "$T_BPF/tasks" ] || echo missing; done) >"$T_DIR/watch" &
  watcher=$!
  run "$ITER" -j update "$T_BPF/tasks" "$FIXTURES/iter_counter.bpf.o"
  : >"$T_DIR/stop"
  wait "$watcher"
  assert_rc 0
  assert_eq "$(cat "$T_DIR/watch")" "" "the path went missing"
  assert_eq "$(jfield link_id) $(jfield old_prog_id)" "$link $before" "link and old program"
  after=$(jfield prog_id)
  assert_ne "$after" "$before" "program id"
  assert_eq "$(pinid tasks)" "$link $after count_tasks" "iter show after"
  readpin tasks
  assert_out_starts "count 3"
  assert_eq "$(stat -c %a "$T_BPF/tasks")" 644 "mode kept"
  # Another target: refused, naming both; nothing changed.
  run "$ITER" update "$T_BPF/tasks" "$FIXTURES/iter_two_progs.bpf.o" prog dump_maps
  expect_error "program dump_maps iterates 'bpf_map', but the iterator at $T_BPF/tasks iterates 'task'"
  assert_rc 255
  assert_eq "$(pinid tasks)" "$link $after count_tasks" "after a refused update"
  run "$ITER" update "$T_BPF/nothing" "$FIXTURES/iter_task.bpf.o"
  expect_error "bpf obj get ($T_BPF/nothing): No such file or directory (ENOENT)"
  # main_thread_only is in the program: an update keeps it.
  pin iter_task.bpf.o leaders task main_thread_only
  run "$ITER" -j update "$T_BPF/leaders" "$FIXTURES/iter_task.bpf.o"
  assert_rc 0
  assert_eq "$(jfield main_thread_only)" true "main_thread_only kept"
  readpin leaders
  assert_eq "$(awk 'NR > 1 && $1 != $2' "$T_OUT" | head -1)" "" "a non-leader line"
  # set gives the new program's globals values, as for pin.
  pin iter_params.bpf.o params
  run "$ITER" update "$T_BPF/params" "$FIXTURES/iter_params.bpf.o" set targ_tgid=$$ set limits.level=5
  assert_rc 0
  readpin params
  assert_out_starts "config tgid=$$ "
  assert_out_contains " level=5 "
  run "$ITER" update "$T_BPF/params" "$FIXTURES/iter_params.bpf.o" set nope=1
  expect_error "no variable 'nope' to set in the object"
}

t_update_map_element_iterator() {
  pin iter_map_fill.bpf.o fill
  assert_rc 0
  readpin fill
  filled=$(lines "$T_OUT")
  pin iter_map_elem.bpf.o elems map name fill_hash
  assert_rc 0
  set -- $(pinid elems)
  link=$1 before=$2
  map=$("$ITER" show "$T_BPF/elems" | sed -n 's/.*map_id \([0-9]*\).*/\1/p')
  [ -n "$map" ] || fail "no map id in iter show"
  # 16-byte reads of 8-byte values: the kernel checks that only when attaching, so iter does.
  run "$ITER" update "$T_BPF/elems" "$FIXTURES/iter_map_elem_wide.bpf.o"
  expect_error "program dump_wide: the kernel refused it for the link's map (id $map)"
  assert_err_contains "Permission denied (EACCES)"
  assert_eq "$(pinid elems)" "$link $before dump_elems" "after a refused update"
  run "$ITER" -j update "$T_BPF/elems" "$FIXTURES/iter_map_elem.bpf.o"
  assert_rc 0
  assert_eq "$(jfield link_id)" "$link" "link id"
  readpin elems
  assert_eq "$(lines "$T_OUT")" "$filled" "elements after the update"
  run "$ITER" show "$T_BPF/elems"
  assert_out_contains "map_id $map"
  run "$ITER" update /sys/fs/bpf/fill_pinned "$FIXTURES/iter_map_elem.bpf.o"
  expect_error "/sys/fs/bpf/fill_pinned is a pinned map, not an iterator link"
  assert_rc 255
  rm -f /sys/fs/bpf/fill_pinned
}

t_show_socket_map_ids() {
  # The first load creates the sockmap and the sk_storage map and pins them by name.
  run "$ITER" run "$FIXTURES/iter_sockmap.bpf.o"
  assert_rc 0
  assert_exists /sys/fs/bpf/iter_socks
  assert_exists /sys/fs/bpf/iter_sk_store
  run "$ITER" run "$FIXTURES/iter_two_progs.bpf.o" prog dump_maps
  socks=$(awk '$3 == "iter_socks" { print $2 }' "$T_OUT")
  store=$(awk '$3 == "iter_sk_store" { print $2 }' "$T_OUT")
  [ -n "$socks" ] && [ -n "$store" ] || fail "socket maps not listed by the bpf_map iterator"
  pin iter_sockmap.bpf.o socks prog dump_sockmap map pinned /sys/fs/bpf/iter_socks
  assert_rc 0
  run "$ITER" show "$T_BPF/socks"
  assert_out_match "^[0-9]+: iter  prog [0-9]+ name dump_sockmap  target sockmap  map_id $socks$"
  pin iter_sockmap.bpf.o store prog dump_sk_storage map pinned /sys/fs/bpf/iter_sk_store
  assert_rc 0
  run "$ITER" -j show "$T_BPF/store"
  assert_out_contains "\"target\":\"bpf_sk_storage_map\",\"map_id\":$store,"
  readpin socks
  assert_out_empty
  rm -f /sys/fs/bpf/iter_socks /sys/fs/bpf/iter_sk_store
}

t_options_checked_before_loading() {
  # cgroup order children is 7.0's: no matrix kernel has it.
  run "$ITER" pin "$FIXTURES/iter_cgroup.bpf.o" "$T_BPF/children" cgroup path /sys/fs/cgroup order children
  if kernel_at_least 6 1; then
    expect_error "cgroup order children: not supported by this kernel (its enum bpf_cgroup_iter_order has no BPF_CGROUP_ITER_CHILDREN); it needs Linux 7.0 or later"
    assert_rc 255
    assert_err_lines 1
    # Said before loading anything: -d shows no BTF, map or program loaded, no link.
    run "$ITER" -d pin "$FIXTURES/iter_cgroup.bpf.o" "$T_BPF/children" cgroup path /sys/fs/cgroup order children
    assert_err_contains "Error: cgroup order children: not supported by this kernel"
    assert_err_not_contains "BTF loaded"
    assert_err_not_contains "loaded: fd"
    assert_err_not_contains "link created"
  else
    expect_error "iterator target 'cgroup' not found in kernel BTF"
  fi
  assert_not_exists "$T_BPF/children"
  run "$ITER" run "$FIXTURES/iter_task.bpf.o" task tid 1
  if kernel_at_least 6 1; then
    assert_rc 0
  else
    expect_error "task tid 1: not supported by this kernel (its union bpf_iter_link_info has no 'task'); task iterator options need Linux 6.1 or later"
    assert_rc 255
    run "$ITER" -d run "$FIXTURES/iter_task.bpf.o" task tid 1
    assert_err_not_contains "BTF loaded"
    assert_err_not_contains "link created"
  fi
}

im_main "$0"
