# SPDX-License-Identifier: GPL-2.0
"""Merging vendor-prefix entries into the kernel's vendor-prefixes.yaml (for
scripts/series.py, whose patch adds ours).

The fragment (Documentation/devicetree/bindings/vendor-prefixes.yaml.add)
holds entries in the registry's own format: a two-space indented
'"^<prefix>,.*":' line followed by its more deeply indented lines; '#' lines
are comments. Each entry replaces any entry with the same key and is placed
in alphabetical order in the registry's sorted list.
"""
import re

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


def merge(text, frag_text, frag_name='fragment', reg_name='vendor-prefixes.yaml'):
    """The registry text with the fragment's entries merged in. Raises
    ValueError on a malformed fragment or a registry without its sorted
    list."""
    frag = [l for l in frag_text.splitlines()
            if l.strip() and not l.lstrip().startswith('#')]
    new = entries(frag)
    if not new or sum(len(e[1]) for e in new) != len(frag):
        raise ValueError(f'{frag_name}: want only "^<prefix>,.*": entries with indented bodies')

    lines = text.splitlines()
    try:
        start = next(i for i, l in enumerate(lines)
                     if l.strip() == '# Keep list in alphabetical order.') + 1
    except StopIteration:
        raise ValueError(f'{reg_name}: no "# Keep list in alphabetical order." line') from None

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
            raise ValueError(f'{reg_name}: cannot find where "{prefix}" goes')
        kept[at:at] = body
    return '\n'.join(kept) + '\n'
