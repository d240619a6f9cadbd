# shellcheck shell=sh
# lib.sh: test framework for the matrix guest (busybox sh, POSIX). Sourced by suite.sh.
#
# A test case is a shell function named t_<name> defined at the start of a line in suite.sh
# ("t_foo() {"); cases run in file order, each in a subshell, with the current directory a fresh
# scratch directory under /tmp and $T_BPF a fresh directory in bpffs (removed afterwards).
# A case passes when it returns 0 and no assertion failed; `skip "why"` skips it.
# Everything a case prints goes to its log, shown (indented) only when it fails.
#
# Console protocol, one line each, nothing else on the console starts with "ITER-MATRIX:":
#   ITER-MATRIX: BEGIN <uname -r>: <N> cases
#   ITER-MATRIX: PASS <name>
#   ITER-MATRIX: FAIL <name>: <reason>
#   ITER-MATRIX: SKIP <name>: <reason>
#   ITER-MATRIX: INFO <name>: <text>
#   ITER-MATRIX: DONE <uname -r>: <P> passed, <F> failed, <S> skipped
#
# Helpers for cases:
#   run CMD [ARG...]        run CMD (bounded by $RUN_TIMEOUT s, default 30) with stdin /dev/null;
#                           sets RC, OUT, ERR (stdout/stderr, trailing newlines stripped), files
#                           $T_OUT, $T_ERR hold the exact bytes. Never fails by itself.
#   assert_rc N             last run exited with N           assert_rc_not N   ... did not exit with N
#   assert_out_eq S         stdout is exactly S              assert_err_eq S   (same for stderr)
#   assert_out_contains S   stdout contains S (literal)      assert_err_contains S
#   assert_out_not_contains S                                assert_err_not_contains S
#   assert_out_starts S     stdout starts with S             assert_err_starts S
#   assert_out_match ERE    a line of stdout matches ERE     assert_err_match ERE
#   assert_out_lines N      stdout has N lines               assert_err_lines N
#   assert_out_empty        assert_err_empty
#   assert_eq ACTUAL EXPECTED [WHAT]                         assert_ne ACTUAL UNEXPECTED [WHAT]
#   assert_ok CMD [ARG...]  CMD exits 0                      assert_fails CMD [ARG...]  CMD exits non-zero
#   assert_exists PATH      assert_not_exists PATH           assert_dir PATH   assert_nonempty FILE
#   fail MSG                fail the case now                skip MSG          skip the case now
#                           (a fail inside a pipeline or $(...) still fails the case at its end)
#   info MSG                print an INFO line for this case (e.g. what the kernel has)
#   kernel_at_least MAJ MIN true when the running kernel is >= MAJ.MIN
#   need_kernel MAJ MIN     skip unless kernel >= MAJ.MIN    need_iter          skip unless /bin/iter exists
#   lines FILE              number of lines in FILE (a last line without newline counts)

ITER=${ITER:-/bin/iter}
FIXTURES=${FIXTURES:-/fixtures}
RUN_TIMEOUT=${RUN_TIMEOUT:-30}
IM_TMP=/tmp/iter-matrix
KVER=$(uname -r)

_im_line() { printf 'ITER-MATRIX: %s\n' "$*"; }

# One line, bounded: reasons and info must never break the one-line protocol.
_im_oneline() { printf '%s' "$*" | tr '\n\r\t' '   ' | cut -c1-400; }

fail() {
  _im_oneline "$*" >"${T_REASON:-/dev/null}"
  [ -n "${T_REASON:-}" ] && : >"$T_REASON.failed"   # counts even if the exit below is swallowed
  echo "FAIL: $*"
  exit 1
}

skip() {
  _im_oneline "$*" >"${T_REASON:-/dev/null}"
  echo "SKIP: $*"
  exit 77
}

info() { _im_oneline "$*" >>"${T_INFO:-/dev/null}"; echo >>"${T_INFO:-/dev/null}"; echo "INFO: $*"; }

lines() { grep -c '' <"$1"; }

run() {
  RUN_CMD=$*
  # Programs and applets run under timeout; shell functions and applet-less builtins directly.
  case $(type "$1" 2>/dev/null) in
    *function*) _direct=1 ;;
    *builtin*) case $1 in */*) _direct=1 ;; *) [ -x "/bin/$1" ] && _direct= || _direct=1 ;; esac ;;
    *) _direct= ;;
  esac
  if [ -n "$_direct" ]; then
    "$@" >"$T_OUT" 2>"$T_ERR" </dev/null
  else
    timeout -s KILL "$RUN_TIMEOUT" "$@" >"$T_OUT" 2>"$T_ERR" </dev/null
  fi
  RC=$?
  OUT=$(cat "$T_OUT")
  ERR=$(cat "$T_ERR")
  echo "run: $RUN_CMD -> exit $RC"
  [ -s "$T_OUT" ] && sed 's/^/  stdout: /' "$T_OUT" | head -n 20
  [ -s "$T_ERR" ] && sed 's/^/  stderr: /' "$T_ERR" | head -n 20
  return 0
}

# shellcheck disable=SC2016  # literal backquotes
_im_ctx() { printf '`%s` (exit %s; stderr: %s)' "$RUN_CMD" "$RC" "$(head -n 2 "$T_ERR" 2>/dev/null)"; }

assert_rc() { [ "$RC" = "$1" ] || fail "$(_im_ctx): expected exit $1"; }
assert_rc_not() { [ "$RC" != "$1" ] || fail "$(_im_ctx): expected an exit status other than $1"; }

# $1 = out|err
_im_val() { if [ "$1" = out ]; then printf '%s' "$OUT"; else printf '%s' "$ERR"; fi; }
_im_file() { if [ "$1" = out ]; then printf '%s' "$T_OUT"; else printf '%s' "$T_ERR"; fi; }
_im_name() { if [ "$1" = out ]; then echo stdout; else echo stderr; fi; }

_im_eq() {
  [ "$(_im_val "$1")" = "$2" ] || fail "\`$RUN_CMD\`: $(_im_name "$1") is '$(_im_val "$1" | head -c 200)', expected '$2'"
}
_im_contains() {
  case $(_im_val "$1") in *"$2"*) ;; *) fail "\`$RUN_CMD\`: $(_im_name "$1") does not contain '$2' (it is '$(_im_val "$1" | head -c 200)')" ;; esac
}
_im_not_contains() {
  case $(_im_val "$1") in *"$2"*) fail "\`$RUN_CMD\`: $(_im_name "$1") contains '$2'" ;; esac
}
_im_starts() {
  case $(_im_val "$1") in "$2"*) ;; *) fail "\`$RUN_CMD\`: $(_im_name "$1") does not start with '$2' (it is '$(_im_val "$1" | head -c 200)')" ;; esac
}
_im_match() {
  grep -E -q -e "$2" "$(_im_file "$1")" || fail "\`$RUN_CMD\`: no line of $(_im_name "$1") matches /$2/"
}
_im_lines() {
  _n=$(lines "$(_im_file "$1")")
  [ "$_n" = "$2" ] || fail "\`$RUN_CMD\`: $(_im_name "$1") has $_n lines, expected $2"
}
_im_empty() {
  [ ! -s "$(_im_file "$1")" ] || fail "\`$RUN_CMD\`: $(_im_name "$1") is not empty: '$(head -c 200 "$(_im_file "$1")")'"
}

assert_out_eq() { _im_eq out "$1"; }
assert_err_eq() { _im_eq err "$1"; }
assert_out_contains() { _im_contains out "$1"; }
assert_err_contains() { _im_contains err "$1"; }
assert_out_not_contains() { _im_not_contains out "$1"; }
assert_err_not_contains() { _im_not_contains err "$1"; }
assert_out_starts() { _im_starts out "$1"; }
assert_err_starts() { _im_starts err "$1"; }
assert_out_match() { _im_match out "$1"; }
assert_err_match() { _im_match err "$1"; }
assert_out_lines() { _im_lines out "$1"; }
assert_err_lines() { _im_lines err "$1"; }
assert_out_empty() { _im_empty out; }
assert_err_empty() { _im_empty err; }

assert_eq() { [ "$1" = "$2" ] || fail "${3:-value} is '$1', expected '$2'"; }
assert_ne() { [ "$1" != "$2" ] || fail "${3:-value} is '$1', expected anything else"; }
assert_ok() { "$@" || fail "\`$*\` exited $?, expected 0"; }
assert_fails() { ! "$@" || fail "\`$*\` succeeded, expected a failure"; }
assert_exists() { [ -e "$1" ] || [ -L "$1" ] || fail "$1 does not exist"; }
assert_not_exists() { if [ -e "$1" ] || [ -L "$1" ]; then fail "$1 exists"; fi; }
assert_dir() { [ -d "$1" ] || fail "$1 is not a directory"; }
assert_nonempty() { [ -s "$1" ] || fail "$1 is missing or empty"; }

# Kernel version as MAJ MIN from uname -r ("6.12.117+deb13-cloud-amd64" -> 6 12).
kernel_at_least() {
  _maj=${KVER%%.*}; _rest=${KVER#*.}; _min=${_rest%%[!0-9]*}
  [ "$_maj" -gt "$1" ] || { [ "$_maj" -eq "$1" ] && [ "$_min" -ge "$2" ]; }
}
need_kernel() { kernel_at_least "$1" "$2" || skip "needs kernel >= $1.$2 (running $KVER)"; }
need_iter() { [ -x "$ITER" ] || skip "$ITER not present"; }

# im_main SUITE_FILE: run every t_* case of SUITE_FILE (filtered by $ITER_MATRIX_ONLY, a
# comma-separated list of globs on case names, if set), print the protocol lines.
im_main() {
  _cases=$(sed -n 's/^\(t_[A-Za-z0-9_]*\)[[:space:]]*().*/\1/p' "$1")
  _sel=
  for _fn in $_cases; do
    _name=${_fn#t_}
    if [ -n "${ITER_MATRIX_ONLY:-}" ]; then
      _hit=
      _old_ifs=$IFS; IFS=,; set -f
      for _g in $ITER_MATRIX_ONLY; do
        # shellcheck disable=SC2254
        case $_name in $_g) _hit=1 ;; esac
      done
      IFS=$_old_ifs; set +f
      [ -n "$_hit" ] || continue
    fi
    _sel="$_sel $_fn"
  done
  # shellcheck disable=SC2086  # word splitting wanted (names are [A-Za-z0-9_])
  set -- $_sel
  _im_line "BEGIN $KVER: $# cases"
  _p=0 _f=0 _s=0
  mkdir -p "$IM_TMP"
  for _fn in "$@"; do
    _name=${_fn#t_}
    T_DIR=$IM_TMP/$_name
    T_BPF=/sys/fs/bpf/$_name
    rm -rf "$T_DIR" "$T_BPF"
    mkdir -p "$T_DIR/.im"
    mkdir -p "$T_BPF" 2>/dev/null
    T_OUT=$T_DIR/.im/out T_ERR=$T_DIR/.im/err T_REASON=$T_DIR/.im/reason T_INFO=$T_DIR/.im/info
    : >"$T_OUT"; : >"$T_ERR"; : >"$T_INFO"
    export T_DIR T_BPF T_OUT T_ERR T_REASON T_INFO
    (cd "$T_DIR" && "$_fn") >"$T_DIR/.im/log" 2>&1 </dev/null
    _st=$?
    _why=$(cat "$T_REASON" 2>/dev/null)
    [ -e "$T_REASON.failed" ] && { [ "$_st" = 0 ] || [ "$_st" = 77 ]; } && _st=1
    case $_st in
      0) _p=$((_p + 1)); _im_line "PASS $_name" ;;
      77) _s=$((_s + 1)); _im_line "SKIP $_name: ${_why:-skipped}" ;;
      *) _f=$((_f + 1)); _im_line "FAIL $_name: ${_why:-returned status $_st}" ;;
    esac
    while IFS= read -r _l; do [ -n "$_l" ] && _im_line "INFO $_name: $_l"; done <"$T_INFO"
    if [ "$_st" != 0 ] && [ "$_st" != 77 ]; then
      tail -n 30 "$T_DIR/.im/log" | sed 's/^/    | /'
    fi
    rm -rf "$T_BPF" 2>/dev/null
    rm -rf "$T_DIR"
  done
  _im_line "DONE $KVER: $_p passed, $_f failed, $_s skipped"
}
