#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Merge vendor-prefix entries into the kernel's vendor-prefixes.yaml.

Usage: vendor-prefixes.py VENDOR_PREFIXES_YAML FRAGMENT

FRAGMENT (Documentation/devicetree/bindings/vendor-prefixes.yaml.add) holds
entries in the registry's own format: a two-space indented '"^<prefix>,.*":'
line followed by its more deeply indented lines; '#' lines are comments.
Each entry replaces any entry with the same key and is placed in
alphabetical order in the registry's sorted list. The file is rewritten only
if that changes it, so a second run is a no-op. Exits 1 on a malformed
fragment or a registry whose sorted list cannot be found.
"""
import re
import sys

KEY = re.compile(r'^  "\^([A-Za-z0-9][A-Za-z0-9-]*),\.\*":\s*$')


def entries(lines):
    """[(prefix, [lines])] for every entry in lines."""
    out = []
    for line in lines:
        m = KEY.match(line)
        if m:
            out.append((m.group(1), [line]))
        elif out and line.startswith('    '):
            out[-1][1].append(line)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    reg_path, frag_path = sys.argv[1:]
    with open(frag_path) as f:
        frag = [l for l in f.read().splitlines()
                if l.strip() and not l.lstrip().startswith('#')]
    new = entries(frag)
    if not new or sum(len(e[1]) for e in new) != len(frag):
        sys.exit(f'{frag_path}: want only "^<prefix>,.*": entries with indented bodies')

    with open(reg_path) as f:
        text = f.read()
    lines = text.splitlines()
    try:
        start = next(i for i, l in enumerate(lines)
                     if l.strip() == '# Keep list in alphabetical order.') + 1
    except StopIteration:
        sys.exit(f'{reg_path}: no "# Keep list in alphabetical order." line')

    # Drop older copies of our entries.
    ours = {p for p, _ in new}
    kept, skip = [], False
    for i, line in enumerate(lines):
        m = KEY.match(line)
        if m:
            skip = i >= start and m.group(1) in ours
        elif not line.startswith('    '):
            skip = False
        if not skip:
            kept.append(line)

    for prefix, body in new:
        at = None
        for i in range(start, len(kept)):
            m = KEY.match(kept[i])
            if m and m.group(1).lower() > prefix.lower():
                at = i
                break
            if not m and not kept[i].startswith('    ') and kept[i].strip() and \
                    not kept[i].lstrip().startswith('#'):
                at = i  # end of the list
                break
        if at is None:
            sys.exit(f'{reg_path}: cannot find where "{prefix}" goes')
        kept[at:at] = body

    result = '\n'.join(kept) + '\n'
    if result != text:
        with open(reg_path, 'w') as f:
            f.write(result)


if __name__ == '__main__':
    main()
