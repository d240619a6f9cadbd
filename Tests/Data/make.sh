#!/usr/bin/env bash
# Remakes the kernel test data of Tests/Data from a Debian cloud kernel package (README.md there
# says what each file is and why the trimmed BTF plans as the full one does).
#
#   Tests/Data/make.sh [--no-check] [CODENAME]        (default: trixie)
#
# Downloads the newest linux-image-*-cloud-amd64 of CODENAME with a private apt state
# (scripts/matrix/fetch-kernels.sh, then `apt-get download` of the same package for its modules),
# extracts vmlinux's .BTF from the kernel image and fou.ko's .BTF (split BTF on that vmlinux),
# trims both to what the fixtures use (trim-btf.py, keeping type ids), and writes:
#
#   vmlinux.btf.gz  fou.btf.gz  config.gz  kernel.info
#
# Then checks that every fixture plans against the trimmed BTF exactly as against the full one
# (`swift test --filter SnapshotFidelity` with ITER_FULL_BTF_DIR set; not with --no-check).
# Needs python3, zstd, xz, gzip, dpkg-deb and a Debian mirror. Work files go to .build-data
# (gitignored; the untrimmed BTF stays in .build-data/full).
set -euo pipefail
cd "$(dirname "$0")/../.."
check=1
if [ "${1:-}" = --no-check ]; then check=0; shift; fi
codename=${1:-trixie}
module=fou
data=Tests/Data
work=$PWD/.build-data
rm -rf "$work"
mkdir -p "$work/full"

export ITER_MATRIX_CACHE=$work/cache
IFS=$'\t' read -r _ uname pkgver _ < <(scripts/matrix/fetch-kernels.sh "$codename")
package=${pkgver%%=*}
version=${pkgver#*=}
echo "make.sh: $package $version ($uname)" >&2

# The same package again, whole (fetch-kernels.sh keeps only the kernel image and config), with
# the apt state fetch-kernels.sh made.
apt=$ITER_MATRIX_CACHE/apt
(cd "$work" && apt-get -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
	-o Dir::State="$apt/state" -o Dir::Cache="$apt/cache" -o Dir::State::status=/dev/null \
	-o Acquire::Languages=none -o APT::Sandbox::User="$(id -un)" -qq download "$package=$version")
dpkg-deb -x "$work/${package}_"*.deb "$work/package"
ko=$(find "$work/package" -name "$module.ko*" | head -n 1)
[ -n "$ko" ] || { echo "make.sh: no $module.ko in $package" >&2; exit 1; }

python3 $data/extract-btf.py "$work/package/boot/vmlinuz-$uname" "$work/full/vmlinux.btf"
python3 $data/extract-btf.py "$ko" "$work/full/$module.btf"

# The names the tests and fixtures look up: every type name in the fixtures' BTF, the names
# planning itself asks vmlinux for (iterator attach points and their context structs, the
# syscall wrappers behind LINUX_HAS_SYSCALL_WRAPPER), and those the tests build by hand.
names=()
for object in Tests/Fixtures/*.o Tests/Fixtures/bad/*.o; do names+=(--names-from "$object"); done
for name in task_struct bpf_map_type __x64_sys_bpf __arm64_sys_bpf __s390x_sys_bpf __riscv_sys_bpf __ia32_sys_bpf; do
	names+=(--name "$name")
done
python3 $data/trim-btf.py --base "$work/full/vmlinux.btf" --out "$work/vmlinux.btf" \
	--split "$work/full/$module.btf" --split-out "$work/$module.btf" --prefix bpf_iter_ "${names[@]}"

gzip -9 -n -c "$work/vmlinux.btf" >$data/vmlinux.btf.gz
gzip -9 -n -c "$work/$module.btf" >$data/$module.btf.gz
gzip -9 -n -c "$ITER_MATRIX_CACHE/kernels/$codename/config" >$data/config.gz
{
	echo "package=$package"
	echo "version=$version"
	echo "release=$uname"
	echo "module=$module"
	echo "vmlinux.btf.sha256=$(sha256sum <"$work/full/vmlinux.btf" | cut -d' ' -f1)"
	echo "$module.btf.sha256=$(sha256sum <"$work/full/$module.btf" | cut -d' ' -f1)"
} >$data/kernel.info
ls -l $data/*.gz $data/kernel.info >&2

if [ $check = 1 ]; then
	echo "make.sh: checking that every fixture plans against the trimmed BTF as against the full one" >&2
	ITER_FULL_BTF_DIR=$work/full swift test --filter SnapshotFidelity
fi
