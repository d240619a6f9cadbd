#!/usr/bin/env bash
# run.sh --iter PATH [--iter PATH] --fixtures DIR [--kernels "5.10 6.1 6.12"] [--timeout SECONDS]
#        [--jobs N] [--only GLOB[,GLOB...]] [--log-dir DIR] [--refresh]
#
# The QEMU kernel matrix: boots Debian's cloud kernels (5.10 bullseye, 6.1 bookworm, 6.12 trixie)
# under TCG with an initramfs holding only busybox, the static iter binary, the fixture objects
# and the guest test suite (guest/suite.sh), reads the results from each serial console, prints a
# summary per kernel, and exits non-zero if any kernel failed a test, ran none, or did not finish.
# Each --iter binary is booted on the kernels of its architecture: an x86-64 one on the amd64
# cloud kernels (qemu-system-x86_64), an aarch64 one on the arm64 cloud kernels
# (qemu-system-aarch64 -M virt -cpu max), each with a busybox of its own architecture.
#
#   --iter PATH       static iter binary to test (becomes /bin/iter in the guest); once per architecture
#   --fixtures DIR    directory whose *.o become /fixtures/*.o in the guest
#   --kernels LIST    kernels to boot: 5.10|bullseye 6.1|bookworm 6.12|trixie (default: all three)
#   --timeout SECS    hard time bound per guest, boot to power-off (default 240)
#   --jobs N          guests booted at once (default: all)
#   --only GLOBS      run only the cases whose name matches one of the comma-separated globs
#   --log-dir DIR     keep each console log as DIR/<arch>-<kernel>.log (default: temporary, removed)
#   --refresh         look for newer kernels even if some are cached
#
# Cache: ${ITER_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iter-matrix} (see fetch-kernels.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../packages.sh"
t0=$(date +%s)

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: error: $*" >&2; exit 2; }

iters=() fixtures='' kernels="5.10 6.1 6.12" tbound=240 jobs='' only='' logdir='' refresh=''
while [ $# -gt 0 ]; do
  case $1 in
    --iter) iters+=("${2:?}"); shift 2 ;;
    --fixtures) fixtures=${2:?}; shift 2 ;;
    --kernels) kernels=${2:?}; shift 2 ;;
    --timeout) tbound=${2:?}; shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --log-dir) logdir=${2:?}; shift 2 ;;
    --refresh) refresh=--refresh; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[ ${#iters[@]} -gt 0 ] || { usage >&2; die "--iter is required"; }
[ -n "$fixtures" ] || { usage >&2; die "--fixtures is required"; }
[ -d "$fixtures" ] || die "no such directory: $fixtures"
{ [[ $tbound =~ ^[0-9]+$ ]] && [ "$tbound" -gt 0 ]; } || die "--timeout takes a number of seconds"
[ -z "$jobs" ] || { [[ $jobs =~ ^[0-9]+$ ]] && [ "$jobs" -gt 0 ]; } || die "--jobs takes a positive number"
case $only in *[!A-Za-z0-9_*?,\[\]]*) die "--only takes globs of [A-Za-z0-9_*?[]] separated by commas" ;; esac

# ---- binaries and their architectures ----
declare -A iter_of=()   # debian arch -> binary
arches=()
for b in "${iters[@]}"; do
  [ -f "$b" ] || die "no such file: $b"
  case $(LC_ALL=C file -b "$b") in
    *x86-64*) a=amd64 ;;
    *aarch64*) a=arm64 ;;
    *) die "$b: not an x86-64 or aarch64 executable ($(file -b "$b" | cut -d, -f1-2))" ;;
  esac
  [ -z "${iter_of[$a]:-}" ] || die "two binaries for $a: ${iter_of[$a]} and $b"
  iter_of[$a]=$b
  arches+=("$a")
done

# ---- host packages ----
# amd64 guests: qemu-system-x86 and the host's busybox-static; arm64 guests: qemu-system-arm, and
# Debian's busybox-static for arm64 (downloaded, not installed; qemu-user lists its applets).
need=(cpio file)
for a in "${arches[@]}"; do
  case $a in
    amd64) need+=(qemu-system-x86 busybox-static) ;;
    arm64) need+=(qemu-system-arm qemu-user-static) ;;
  esac
done
need_packages "${need[@]}" || die "missing packages"

# ---- kernels ----
declare -a klabels=() kcodes=()
for k in $kernels; do
  case $k in
    5.10|bullseye) klabels+=(5.10); kcodes+=(bullseye) ;;
    6.1|bookworm) klabels+=(6.1); kcodes+=(bookworm) ;;
    6.12|trixie) klabels+=(6.12); kcodes+=(trixie) ;;
    *) die "unknown kernel '$k' (known: 5.10 6.1 6.12, or bullseye bookworm trixie)" ;;
  esac
done
[ ${#kcodes[@]} -gt 0 ] || die "no kernels given"
# One guest per architecture and kernel, labelled ARCH-KERNEL (amd64-6.1).
declare -a labels=() codes=() garch=()
for a in "${arches[@]}"; do
  for i in "${!klabels[@]}"; do labels+=("$a-${klabels[$i]}"); codes+=("${kcodes[$i]}"); garch+=("$a"); done
done
# All guests at once by default: TCG runs one thread per guest. Measured on 2 cores: 3 amd64
# guests at once ~16-21 s (2 at a time ~23 s, sequentially ~45 s); see README.md for six.
jobs=${jobs:-${#labels[@]}}

work=$(mktemp -d "${TMPDIR:-/tmp}/iter-matrix.XXXXXX")
declare -A running=()   # label -> pid of `timeout`
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local l p q
  for l in "${!running[@]}"; do kill -TERM "${running[$l]}" 2>/dev/null || true; done
  for l in "${!running[@]}"; do
    p=${running[$l]}
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$p" 2>/dev/null || true
    q=$(cat "$work/$l.pid" 2>/dev/null || true)
    if [ -n "$q" ] && grep -q qemu-system "/proc/$q/cmdline" 2>/dev/null; then kill -KILL "$q" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A uname=() pkg=() vmlinuz=()   # ARCH/CODENAME -> ...
for a in "${arches[@]}"; do
  fetched=$("$here/fetch-kernels.sh" --arch "$a" $refresh "${kcodes[@]}")
  while IFS=$'\t' read -r c u p v; do uname[$a/$c]=$u; pkg[$a/$c]=$p; vmlinuz[$a/$c]=$v; done <<<"$fetched"
done

# A static busybox for each architecture: the host's, or Debian's busybox-static for arm64 taken
# out of its package (cached next to the kernels; --refresh fetches it again).
cache=${ITER_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iter-matrix}
declare -A busybox=()
for a in "${arches[@]}"; do
  if [ "$a" = "$(dpkg --print-architecture)" ]; then busybox[$a]=/bin/busybox; continue; fi
  b=$cache/busybox-$a/busybox
  if [ -n "$refresh" ] || [ ! -s "$b" ]; then
    fetch_package_file "busybox-static:$a" bin/busybox "$b" || die "cannot get busybox-static:$a"
  fi
  busybox[$a]=$b
done
t1=$(date +%s)

# ---- initramfs ----
# One per architecture: the same busybox init, suite and fixtures; that architecture's iter and
# busybox, and the configs of the kernels it boots.
for a in "${arches[@]}"; do
  mkdir -p "$work/kconfig-$a"
  for c in "${kcodes[@]}"; do
    cp "$(dirname "${vmlinuz[$a/$c]}")/config" "$work/kconfig-$a/config-${uname[$a/$c]}"
  done
  "$here/build-initramfs.sh" --iter "${iter_of[$a]}" --busybox "${busybox[$a]}" --fixtures "$fixtures" \
    --kconfig "$work/kconfig-$a" --out "$work/initramfs-$a.cpio.gz"
done

if [ -n "$logdir" ]; then mkdir -p "$logdir"; logdir=$(cd "$logdir" && pwd); else logdir=$work; fi

# ---- boot ----
declare -A started=() elapsed=() status=()
start() { # index
  local l=${labels[$1]} c=${codes[$1]} a=${garch[$1]} log=$logdir/${labels[$1]}.log qemu kargs
  rm -f "$log" "$work/$l.pid"
  case $a in
    # no_timer_check: a slow TCG guest (several at once on a busy host) can fail the IO-APIC
    # timer check and panic at boot ("IO-APIC + timer doesn't work!").
    amd64) qemu=(qemu-system-x86_64 -accel tcg -cpu max); kargs="console=ttyS0 no_timer_check" ;;
    # -M virt: the PL011 UART (ttyAMA0) is built into Debian's arm64 cloud kernels. The kernels
    # sign return addresses (pointer authentication): QEMU's implementation-defined algorithm
    # emulates that about 3x faster than the architected QARMA (a guest's CPU time 45 s -> 15 s).
    arm64) qemu=(qemu-system-aarch64 -M virt -accel tcg -cpu max,pauth-impdef=on); kargs=console=ttyAMA0 ;;
  esac
  started[$l]=$(date +%s)
  # In a subshell that records the CPU time the guest used (`times`: its children's user and
  # system time), which says how long it would take on an idle host.
  (
    rc=0
    timeout -k 5 "$tbound" "${qemu[@]}" -smp 1 -m 512M \
      -nodefaults -display none -no-reboot -serial "file:$log" -pidfile "$work/$l.pid" \
      -kernel "${vmlinuz[$a/$c]}" -initrd "$work/initramfs-$a.cpio.gz" \
      -append "$kargs panic=-1 quiet${only:+ ITER_MATRIX_ONLY=$only}" \
      </dev/null >"$work/$l.qemu" 2>&1 || rc=$?
    times >"$work/$l.times"
    exit $rc
  ) &
  running[$l]=$!
}
cpu_seconds() { # label -> CPU seconds of the guest (user + system), or ?
  sed -n 2p "$work/$1.times" 2>/dev/null | awk '{
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s$/, "", p[2]); t += p[1] * 60 + p[2] }
    printf "%d", t + 0.5 }' | grep . || echo '?'
}
reap() { # wait until at most $1 guests run
  local l rc
  while [ ${#running[@]} -gt "$1" ]; do
    for l in "${!running[@]}"; do
      kill -0 "${running[$l]}" 2>/dev/null && continue
      rc=0; wait "${running[$l]}" || rc=$?
      unset "running[$l]"
      status[$l]=$rc
      elapsed[$l]=$(( $(date +%s) - started[$l] ))
    done
    [ ${#running[@]} -gt "$1" ] && sleep 0.2
  done
  return 0
}
echo "run.sh: booting ${labels[*]} (timeout ${tbound}s each, $jobs at a time)"
for i in "${!labels[@]}"; do reap $((jobs - 1)); start "$i"; done
reap 0
t2=$(date +%s)

# ---- results ----
failed=0
echo
echo "== iter kernel matrix =="
for i in "${!labels[@]}"; do
  l=${labels[$i]} c=${codes[$i]} a=${garch[$i]} log=$logdir/${labels[$i]}.log
  touch "$log"
  tr -d '\r' <"$log" | grep -a '^ITER-MATRIX: ' >"$work/$l.res" || true
  np=$(grep -c '^ITER-MATRIX: PASS ' "$work/$l.res" || true)
  nf=$(grep -c '^ITER-MATRIX: FAIL ' "$work/$l.res" || true)
  ns=$(grep -c '^ITER-MATRIX: SKIP ' "$work/$l.res" || true)
  begin=$(sed -n 's/^ITER-MATRIX: BEGIN \(.*\): \([0-9]*\) cases$/\1 \2/p' "$work/$l.res")
  done_=$(sed -n 's/^ITER-MATRIX: DONE \(.*\): \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3 \4/p' "$work/$l.res")
  why=
  if [ "${status[$l]}" = 124 ] || [ "${status[$l]}" = 137 ]; then
    why="timed out after ${tbound}s"
  elif [ -z "$begin" ]; then
    why="the suite never started (no BEGIN line; qemu exit ${status[$l]})"
  elif [ -z "$done_" ]; then
    why="no final line (guest crashed or hung; qemu exit ${status[$l]})"
  elif [ "$(grep -c '^ITER-MATRIX: DONE ' "$work/$l.res")" != 1 ] || [ "$(grep -c '^ITER-MATRIX: BEGIN ' "$work/$l.res")" != 1 ]; then
    why="more than one BEGIN or DONE line"
  else
    read -r bk bn <<<"$begin"
    read -r dk dp df ds <<<"$done_"
    if [ "$bk" != "${uname[$a/$c]}" ] || [ "$dk" != "${uname[$a/$c]}" ]; then
      why="booted kernel '$dk', expected '${uname[$a/$c]}'"
    elif [ "$dp $df $ds" != "$np $nf $ns" ] || [ "$bn" != $((np + nf + ns)) ]; then
      why="garbled console: final line says $dp/$df/$ds of $bn, console shows $np/$nf/$ns"
    elif [ $((np + nf)) = 0 ]; then
      why="ran zero tests"
    elif [ "$nf" != 0 ]; then
      why="$nf failed"
    fi
  fi
  if [ -z "$why" ]; then verdict=ok; else verdict="FAILED: $why"; failed=1; fi
  printf '%-5s %-5s %-9s %s  %s: %s passed, %s failed, %s skipped  (%ss, cpu %ss)  %s\n' \
    "$a" "${l#"$a"-}" "$c" "${pkg[$a/$c]}" "${uname[$a/$c]}" "$np" "$nf" "$ns" "${elapsed[$l]}" "$(cpu_seconds "$l")" "$verdict"
  sed -n -e 's/^ITER-MATRIX: \(FAIL\|SKIP\) /    \1 /p' -e 's/^ITER-MATRIX: INFO iter_targets: /    /p' "$work/$l.res"
  if [ -n "$why" ]; then
    echo "    --- console tail ($log) ---"
    tr -d '\r' <"$log" | tail -n 40 | sed 's/^/    | /'
    [ -s "$work/$l.qemu" ] && sed 's/^/    qemu: /' "$work/$l.qemu"
  fi
done
t3=$(date +%s)
echo "time: fetch $((t1 - t0))s, boot $((t2 - t1))s (incl. initramfs), total $((t3 - t0))s"
[ "$logdir" = "$work" ] || echo "console logs: $logdir"
if [ $failed = 0 ]; then echo "RESULT: all kernels passed"; else echo "RESULT: FAILED"; fi
exit $failed
