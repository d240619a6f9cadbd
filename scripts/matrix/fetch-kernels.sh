#!/usr/bin/env bash
# fetch-kernels.sh [--arch amd64|arm64] [--refresh] CODENAME...
#
# Downloads the newest Debian cloud kernel (linux-image-cloud-ARCH -> linux-image-<uname>) of each
# CODENAME (bullseye, bookworm, trixie, ...) with apt, using a private apt state so the host's apt
# configuration and package lists are untouched. The mirror is the one this machine already uses:
# the apt entry whose Suites contain the host's own codename, with its suites renamed to CODENAME
# (bookworm, bookworm-updates -> bullseye, bullseye-updates). No host name is written here.
# --arch arm64 fetches linux-image-cloud-arm64 (for qemu-system-aarch64); default amd64.
#
# Cache: ${ITER_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iter-matrix}/kernels/CODENAME/{vmlinuz,config,info}
# (kernels/CODENAME-arm64/ for arm64). A kernel already in the cache is not fetched again (no
# network at all) unless --refresh is given.
#
# Prints one line per CODENAME on stdout:  CODENAME <TAB> UNAME <TAB> PACKAGE=VERSION <TAB> VMLINUZ
# Environment: ITER_MATRIX_MIRROR=URI  use this Debian mirror URI instead of deriving it.
set -euo pipefail

CACHE=${ITER_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iter-matrix}
ARCH=amd64

log() { printf 'fetch-kernels: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

refresh=0
codenames=()
while [ $# -gt 0 ]; do
  case $1 in
    --refresh) refresh=1 ;;
    --arch) ARCH=${2:?}; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) codenames+=("$1") ;;
  esac
  shift
done
[ ${#codenames[@]} -gt 0 ] || die "usage: $0 [--arch amd64|arm64] [--refresh] CODENAME..."
case $ARCH in amd64|arm64) ;; *) die "--arch is amd64 or arm64" ;; esac
META=linux-image-cloud-$ARCH
# amd64 keeps the cache layout it always had; another architecture has its own apt state and
# kernel directories (kernels/CODENAME-ARCH).
if [ "$ARCH" = amd64 ]; then APTDIR=$CACHE/apt tag=''; else APTDIR=$CACHE/apt-$ARCH tag=-$ARCH; fi

mkdir -p "$CACHE/kernels"

emit() { # codename -> result line from the cache
  local d=$CACHE/kernels/$1$tag uname package version
  uname=$(sed -n 's/^uname=//p' "$d/info")
  package=$(sed -n 's/^package=//p' "$d/info")
  version=$(sed -n 's/^version=//p' "$d/info")
  printf '%s\t%s\t%s=%s\t%s\n' "$1" "$uname" "$package" "$version" "$d/vmlinuz"
}

cached() { local d=$CACHE/kernels/$1$tag; [ -s "$d/vmlinuz" ] && [ -s "$d/config" ] && [ -s "$d/info" ]; }

# Serialise concurrent runs on the same cache.
exec 9>"$CACHE/.lock$tag"
flock 9

missing=()
for c in "${codenames[@]}"; do
  if [ $refresh = 1 ] || ! cached "$c"; then missing+=("$c"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  # ---- derive the mirror from this machine's apt configuration ----
  host_codename=$( . /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")
  [ -n "$host_codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release"

  # Prints "URI<TAB>SUITES<TAB>SIGNED-BY" for each deb entry whose Suites contain $host_codename.
  apt_entries() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -r "$f" ] || continue
      awk -v host="$host_codename" '
        { sub(/#.*/, "") }
        $1 != "deb" { next }
        {
          line = $0; sub(/^[ \t]*deb[ \t]+/, "", line); sb = ""
          if (line ~ /^\[/) {
            opts = substr(line, 2, index(line, "]") - 2); line = substr(line, index(line, "]") + 1)
            n = split(opts, o, /[ \t]+/)
            for (i = 1; i <= n; i++) if (o[i] ~ /^signed-by=/) { sb = o[i]; sub(/^signed-by=/, "", sb) }
          }
          n = split(line, w, /[ \t]+/); k = 0
          for (i = 1; i <= n; i++) if (w[i] != "") ww[++k] = w[i]
          if (k >= 2 && ww[2] == host) printf "%s\t%s\t%s\n", ww[1], ww[2], sb
          delete ww
        }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -r "$f" ] || continue
      awk -v host="$host_codename" '
        function flush() {
          if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
            n = split(suites, s, / +/); ok = 0
            for (i = 1; i <= n; i++) if (s[i] == host) ok = 1
            if (ok) { m = split(uris, u, / +/); for (i = 1; i <= m; i++) if (u[i] != "") printf "%s\t%s\t%s\n", u[i], suites, sb }
          }
          types = uris = suites = sb = enabled = ""; field = ""
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { if (field == "signed-by") sb = ""; next }   # continuation (inline key): not a path
        {
          field = tolower(substr($0, 1, index($0, ":") - 1)); v = substr($0, index($0, ":") + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", v); gsub(/[ \t]+/, " ", v)
          if (field == "types") types = v; else if (field == "uris") uris = v
          else if (field == "suites") suites = v; else if (field == "signed-by") sb = v
          else if (field == "enabled") enabled = v
        }
        END { flush() }' "$f"
    done
  }

  # For each sources.list line: "URI SUITE-SUFFIXES SIGNED-BY"
  declare -a mirrors=()
  if [ -n "${ITER_MATRIX_MIRROR:-}" ]; then
    mirrors+=("${ITER_MATRIX_MIRROR}"$'\t'"$host_codename"$'\t')
  else
    while IFS= read -r e; do mirrors+=("$e"); done < <(apt_entries | awk '!seen[$1]++')
  fi
  [ ${#mirrors[@]} -gt 0 ] || die "no apt entry with suite '$host_codename' found in /etc/apt (set ITER_MATRIX_MIRROR=URI)"

  mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial" "$CACHE/debs"
  : >"$APTDIR/sources.list"
  # $1 = URI, $2 = host suites, $3 = signed-by, $4 = extra options, $5.. = codenames
  add_sources() {
    local uri=$1 suites=$2 sb=$3 extra=$4; shift 4
    local c s opts="arch=$ARCH${extra:+ $extra}"
    [ -n "$sb" ] && opts="$opts signed-by=$sb"
    for c in "$@"; do
      for s in $suites; do
        case $s in
          "$host_codename") printf 'deb [%s] %s %s main\n' "$opts" "$uri" "$c" ;;
          "$host_codename"-*) printf 'deb [%s] %s %s main\n' "$opts" "$uri" "$c-${s#"$host_codename"-}" ;;
        esac
      done
    done >>"$APTDIR/sources.list"
  }

  aptopts=(-o Dir::Etc::SourceList="$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
           -o Dir::State="$APTDIR/state" -o Dir::Cache="$APTDIR/cache"
           -o Dir::State::status=/dev/null -o Acquire::Languages=none -o Acquire::PDiffs=false
           -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=""
           -o APT::Architecture="$ARCH" -o APT::Architectures="$ARCH"
           -o APT::Sandbox::User="$(id -un)" -qq)

  # The binary package cache (built once, ~80 MB) makes the apt-cache calls below instant; it is
  # removed when we are done.
  trap 'rm -f "$APTDIR/cache/pkgcache.bin"' EXIT
  update() { apt-get "${aptopts[@]}" update >"$APTDIR/update.log" 2>&1 || true; }

  # newest version of $META in the suites of codename $1 (CODENAME or CODENAME-*), or nothing
  newest_meta() {
    apt-cache "${aptopts[@]}" madison "$META" 2>/dev/null | awk -F' [|] ' -v c="$1" '
      { split($3, w, " "); split(w[2], s, "/"); if (s[1] == c || index(s[1], c "-") == 1) { v = $2; gsub(/ /, "", v); print v } }' |
    while IFS= read -r v; do
      if [ -z "${best:-}" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
      printf '%s\n' "$best"
    done | tail -n 1
  }

  for m in "${mirrors[@]}"; do
    IFS=$'\t' read -r uri suites sb <<<"$m"
    add_sources "$uri" "$suites" "$sb" "" "${missing[@]}"
  done
  log "apt-get update (${missing[*]}) from the mirror(s) of this machine's '$host_codename' entry"
  update

  # A release that left the main archive lives under <mirror>-archive/<name> on mirrors that keep
  # archived releases (same host, same layout); Release files there may be expired.
  lost=()
  for c in "${missing[@]}"; do [ -n "$(newest_meta "$c")" ] || lost+=("$c"); done
  if [ ${#lost[@]} -gt 0 ]; then
    log "not on the main mirror path: ${lost[*]}; trying the archive path of the same mirror"
    for m in "${mirrors[@]}"; do
      IFS=$'\t' read -r uri suites sb <<<"$m"
      uri=${uri%/}
      add_sources "${uri%/*}/${uri##*/}-archive/${uri##*/}" "$host_codename" "$sb" "check-valid-until=no" "${lost[@]}"
    done
    update
  fi

  for c in "${missing[@]}"; do
    metav=$(newest_meta "$c")
    if [ -z "$metav" ]; then
      sed 's/^/  apt: /' "$APTDIR/update.log" >&2
      die "no $META found for $c (set ITER_MATRIX_MIRROR=URI of a Debian mirror that has it)"
    fi
    dep=$(apt-cache "${aptopts[@]}" show "$META=$metav" | sed -n 's/^Depends: //p' | head -n 1 |
          tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\) *(= *\([^)]*\)).*/\1 \2/p' | head -n 1)
    [ -n "$dep" ] || die "cannot read the kernel package $META=$metav depends on"
    read -r pkg ver <<<"$dep"
    uname=${pkg#linux-image-}; uname=${uname%-unsigned}
    d=$CACHE/kernels/$c$tag
    if cached "$c" && grep -qx "package=$pkg" "$d/info" && grep -qx "version=$ver" "$d/info"; then
      log "$c: $pkg $ver already cached"
      continue
    fi
    log "$c: downloading $pkg $ver"
    (cd "$CACHE/debs" && apt-get "${aptopts[@]}" download "$pkg=$ver" >&2)
    deb=$(find "$CACHE/debs" -maxdepth 1 -name "${pkg}_*_$ARCH.deb" | head -n 1)
    x=$(mktemp -d "$CACHE/extract.XXXXXX")
    dpkg-deb -x "$deb" "$x"
    [ -s "$x/boot/vmlinuz-$uname" ] || { rm -rf "$x"; die "$deb has no boot/vmlinuz-$uname"; }
    mkdir -p "$d"
    mv "$x/boot/vmlinuz-$uname" "$d/vmlinuz.new"
    # The kernel's config: Debian kernels have no /proc/config.gz, and __kconfig externs need it.
    [ -s "$x/boot/config-$uname" ] || { rm -rf "$x"; die "$deb has no boot/config-$uname"; }
    mv "$x/boot/config-$uname" "$d/config"
    rm -rf "$x" "$deb"
    printf 'package=%s\nversion=%s\nuname=%s\nmeta=%s=%s\n' "$pkg" "$ver" "$uname" "$META" "$metav" >"$d/info.new"
    mv "$d/vmlinuz.new" "$d/vmlinuz"; mv "$d/info.new" "$d/info"
  done
fi

for c in "${codenames[@]}"; do emit "$c"; done
