#!/usr/bin/env python3
"""Lists public declarations in Sources/ that have no DocC (///) comment above them.

A declaration counts as documented when the nearest non-attribute line above it is a `///`
comment. Enum cases declared together with a documented `case` line, and members of a
documented `extension … : Protocol` conformance (description, ==), are exempt.
Exit status 1 if anything is undocumented."""
import os, re, sys

decl = re.compile(r'^\s*(public|open)\s+(?:(?:static|final|indirect|mutating|nonisolated|override|convenience|required|consuming|borrowing)\s+)*(func|var|let|struct|enum|class|protocol|typealias|init|subscript|case|extension)\b')
exempt = re.compile(r'public\s+(?:static\s+)?(?:var description|func ==|init\?\(rawValue)')
missing = []
for root, _, files in os.walk('Sources'):
    for name in sorted(files):
        if not name.endswith('.swift'):
            continue
        path = os.path.join(root, name)
        lines = open(path, encoding='utf-8').read().split('\n')
        for i, line in enumerate(lines):
            if not decl.match(line) or exempt.search(line) or re.match(r'^\s*public\s+extension\b', line):
                continue
            j = i - 1
            while j >= 0 and (lines[j].strip().startswith('@') or lines[j].strip() == ''):
                if lines[j].strip() == '':
                    break
                j -= 1
            if j >= 0 and lines[j].strip().startswith('///'):
                continue
            missing.append(f'{path}:{i + 1}: {line.strip()}')
for m in missing:
    print(m)
print(f'{len(missing)} public declarations without a doc comment', file=sys.stderr)
sys.exit(1 if missing else 0)
