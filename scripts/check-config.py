#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that a merged kernel .config honours every request of its fragments.

Usage: check-config.py CONFIG FRAGMENT...

A fragment line `CONFIG_X=v` requires exactly that value; `# CONFIG_X is not
set` requires the symbol to be absent or unset. Fragments are merged in order,
so when several ask for the same symbol the last one is what must hold (as
with merge_config.sh). Prints each mismatch with the fragment it came from
and exits 1 if there is any.
"""
import re
import sys

SET = re.compile(r'^(CONFIG_[A-Za-z0-9_]+)=(.*)$')
UNSET = re.compile(r'^# (CONFIG_[A-Za-z0-9_]+) is not set$')


def parse(path):
    vals = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            m = SET.match(line)
            if m:
                vals[m.group(1)] = m.group(2)
                continue
            m = UNSET.match(line)
            if m:
                vals[m.group(1)] = None
    return vals


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    final = parse(sys.argv[1])
    wanted = {}
    for frag in sys.argv[2:]:
        for sym, want in parse(frag).items():
            wanted[sym] = (want, frag)
    bad = 0
    for sym, (want, frag) in wanted.items():
        got = final.get(sym)
        if got == 'n':
            got = None
        if want != got:
            bad += 1
            print(f'config: {frag}: {sym} requested '
                  f'{want if want is not None else "not set"}, '
                  f'got {got if got is not None else "not set"}',
                  file=sys.stderr)
    if bad:
        print(f'config: {bad} requested symbol(s) did not take their value',
              file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
