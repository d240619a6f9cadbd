#!/usr/bin/env bash
# The module graph, as Package.swift declares it (read with `swift package describe --type json`),
# for the builds that compile modules themselves (Fuzz/build.sh, the static and musl builds), so no
# script keeps its own list.
#
#   scripts/modules.sh [PRODUCT]           the Swift library modules PRODUCT (default: iter) is built
#                                          from, one name per line, each after every module it imports
#   scripts/modules.sh --long [PRODUCT]    every library target PRODUCT is built from, Swift and C, in
#                                          the same order, one per line:
#                                          NAME LANGUAGE PATH [DEPENDENCY...]   (LANGUAGE: swift or c;
#                                          PATH relative to the package root; DEPENDENCY: direct ones)
#
# Executable targets (the product's own `iter`, a C main) and targets no product uses (tests,
# Tests/TestSupport) are not listed. The order is a depth-first walk from the product, dependencies
# in the order Package.swift lists them; it is stable while Package.swift is. Needs swift and
# python3. Environment: SWIFT (default: swift from PATH, else /opt/swift/usr/bin/swift).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
long=0
if [ "${1:-}" = --long ]; then long=1; shift; fi
product=${1:-iter}
swift=${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}

# A scratch path of its own: describing never waits for (or disturbs) a build using .build.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$swift" package --package-path "$root" --scratch-path "$scratch" describe --type json >"$scratch/package.json"

python3 - "$scratch/package.json" "$product" "$long" <<'EOF'
import json, sys
package = json.load(open(sys.argv[1]))
product, long = sys.argv[2], sys.argv[3] == "1"
targets = {t["name"]: t for t in package["targets"]}
roots = [p for p in package["products"] if p["name"] == product]
if not roots:
    sys.exit("modules.sh: no product %r (products: %s)" % (product, ", ".join(p["name"] for p in package["products"])))
order, seen = [], set()
def visit(name):
    if name in seen:
        return
    seen.add(name)
    for dependency in targets[name].get("target_dependencies", []):
        visit(dependency)
    order.append(name)
for name in roots[0]["targets"]:
    visit(name)
for name in order:
    t = targets[name]
    if t["type"] != "library":
        continue
    language = "swift" if t["module_type"] == "SwiftTarget" else "c"
    if long:
        print(" ".join([name, language, t["path"]] + t.get("target_dependencies", [])))
    elif language == "swift":
        print(name)
EOF
