#!/usr/bin/env bash
# Lints Sources and Tests with `swift format lint --strict` (the toolchain's swift-format, configured
# by .swift-format: 4-space indentation, 180 columns, the rules the code follows) and fails on any
# finding, with one allowance: files listed in .swift-format-legacy (code laid out before
# .swift-format existed, with continuation lines aligned by hand) may have layout findings, the
# pretty-printer's (Indentation, AddLines, RemoveLine, Spacing, LineLength, TrailingComma, ...);
# their rule findings still fail. The list only shrinks: after `swift format format -i FILE`, remove
# FILE from it (a listed file with no layout finding left is reported, so the list stays true).
#
#   scripts/lint.sh          (exit 0: clean; 1: findings, printed as swift-format prints them)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
legacy=.swift-format-legacy

swift format --version >/dev/null || { echo "lint: swift format does not run" >&2; exit 1; }
findings=$(mktemp)
trap 'rm -f "$findings"' EXIT
swift format lint --strict --recursive --parallel Sources Tests >"$findings" 2>&1
status=$?

python3 - "$legacy" "$status" "$findings" <<'PY'
import os, re, sys
legacy_path, status, findings = sys.argv[1], int(sys.argv[2]), sys.argv[3]
legacy = {line.strip() for line in open(legacy_path) if line.strip() and not line.startswith("#")}
layout = {"Indentation", "AddLines", "RemoveLine", "Spacing", "SpacingCharacter", "LineLength",
          "TrailingWhitespace", "TrailingComma"}
finding = re.compile(r"^(?P<path>[^:]+):\d+:\d+: (?:warning|error): \[(?P<category>[A-Za-z]+)\]")
failures, allowed, laid_out = [], 0, set()
for line in open(findings).read().splitlines():
    m = finding.match(line)
    if not m:
        if line.strip():
            failures.append(line)  # anything else swift-format says (a file it cannot parse)
        continue
    if m["category"] in layout and m["path"] in legacy:
        allowed += 1
        laid_out.add(m["path"])
    else:
        failures.append(line)
for path in sorted(legacy - laid_out):
    reason = "no longer exists" if not os.path.exists(path) else "has no layout finding left"
    failures.append(f"{legacy_path}: {path} {reason}: remove it from the list")
if status != 0 and not failures and allowed == 0:
    failures.append(f"swift format lint exited {status} without findings")
for line in failures:
    print(line)
files = len(legacy)
print(f"lint: {len(failures)} findings; {allowed} layout findings allowed in {files} files of {legacy_path}")
sys.exit(1 if failures else 0)
PY
