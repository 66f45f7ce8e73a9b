#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the gzvm-vs-KVM benchmark table from the consoles of two boots.

Usage: bench-report.py [--hyp CONSOLE] [--kvm CONSOLE] [--json FILE] [--short]

The benchmarks (selftests/gzvm/bench.c under gzhyp, selftests/kvm-bench/bench.c
and selftests/bpmp-virt/bench.c with the host at EL2, crosvm_linux.sh on
both) print "# bench-row:" lines (selftests/gzvm/bench_row.h): a median of
n repetitions with its spread, and the median ratio to a reference measured
in the same repetition. This script puts the two systems side by side.
Figures only: it never fails on a value, only on a missing console.
"""
import argparse
import json
import re
import sys

ROW = re.compile(r'bench-row: (\S+) (\S+) (.*)$')

# key: (what is measured, what it is divided by)
ROWS = [
    ('run_mmio', 'RUN round trip, guest exits on every MMIO write', 'null ioctl'),
    ('drv_overhead', 'gzvm driver overhead: RUN ioctl minus time in hvc', 'null ioctl'),
    ('irqfd', 'irqfd write -> guest IRQ handler', 'IRQ_LINE -> handler'),
    ('ioeventfd', 'guest MMIO write signalled by ioeventfd', 'exit to user + eventfd write'),
    ('memslot_64m', 'SET_USER_MEMORY_REGION 64 MiB, populated', 'mlock 64 MiB'),
    ('memslot_512m', 'SET_USER_MEMORY_REGION 512 MiB, populated', 'mlock 512 MiB'),
    ('fault_4k', 'stage-2 fault on first touch, per 4 KiB page', 'null ioctl'),
    ('bpmp_write', 'bpmp write() round trip (MRQ_PING)', 'null write()'),
    ('bpmp_proxy', 'bpmp proxy own cost: write() - direct model call', 'null write()'),
    ('crosvm_boot', 'crosvm: Linux guest boot to init + power-off', '-'),
]
SYSTEMS = ['gzvm', 'kvm', 'bpmp']


def parse(lines, source):
    rows = {}
    for line in lines:
        m = ROW.search(line)
        if not m:
            continue
        key, system, rest = m.groups()
        d = {'source': source}
        for kv in rest.split():
            k, _, v = kv.partition('=')
            try:
                d[k] = float(v) if k != 'ref' else v
            except ValueError:
                d[k] = v
        rows[(key, system)] = d
    return rows


def fmt_ns(ns):
    if ns >= 1e9:
        return f'{ns / 1e9:.1f} s'
    if ns >= 1e6:
        return f'{ns / 1e6:.1f} ms'
    if ns >= 1e3:
        return f'{ns / 1e3:.1f} us'
    return f'{ns:.0f} ns'


def cell(d, key):
    if d is None:
        return '-'
    if key == 'crosvm_boot':
        return fmt_ns(d['med'])
    spread = f'{d["rmin"]:.2f}-{d["rmax"]:.2f}' if d['n'] > 1 else 'n=1'
    return f'{fmt_ns(d["med"])} = {d["ratio"]:.2f}x ref [{spread}] n={d["n"]:.0f}'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--hyp', help='console of the boot under gzhyp (gzvm rows)')
    ap.add_argument('--kvm', help='console of the boot at EL2 with KVM')
    ap.add_argument('--json', help='write the table as JSON here')
    ap.add_argument('--short', action='store_true', help='one line per row (make check)')
    args = ap.parse_args()

    rows, missing = {}, []
    for name, path in (('gzhyp', args.hyp), ('kvm', args.kvm)):
        if not path:
            continue
        try:
            with open(path, errors='replace') as f:
                rows.update(parse(f.read().splitlines(), name))
        except FileNotFoundError:
            missing.append(path)

    table = []
    for key, what, ref in ROWS:
        got = {s: rows.get((key, s)) for s in SYSTEMS}
        if not any(got.values()):
            continue
        g, k = got['gzvm'], got['kvm']
        entry = {'key': key, 'what': what, 'reference': ref}
        entry.update({s: v for s, v in got.items() if v})
        if g and k and k['med'] > 0:
            entry['gzvm_over_kvm'] = g['med'] / k['med']
            if key != 'crosvm_boot' and k.get('ratio'):
                entry['gzvm_ratio_over_kvm_ratio'] = g['ratio'] / k['ratio']
        table.append(entry)

    if args.short:
        print('Benchmarks, gzvm (host at EL1 under gzhyp) vs KVM (host at EL2), '
              'median [ratio to the reference]:')
        for e in table:
            parts = []
            for s in SYSTEMS:
                d = e.get(s)
                if d:
                    r = '' if e['key'] == 'crosvm_boot' else f' [{d["ratio"]:.2f}x]'
                    parts.append(f'{s} {fmt_ns(d["med"])}{r}')
            vs = f', gzvm/KVM {e["gzvm_over_kvm"]:.2f}' if 'gzvm_over_kvm' in e else ''
            print(f'  {e["key"]:13} {", ".join(parts)}{vs}  (ref: {e["reference"]})')
    else:
        w = 50
        print(f'{"row":{w}} {"reference":29} {"gzvm (host at EL1 under gzhyp)":38} '
              f'{"KVM (host at EL2; bpmp rows too)":38} gzvm/KVM')
        for e in table:
            # The bpmp proxy rows are measured in the EL2 boot (no hypervisor involved).
            sys_k = e.get('kvm') or e.get('bpmp')
            vs = f'{e["gzvm_over_kvm"]:.2f}' if 'gzvm_over_kvm' in e else '-'
            print(f'{e["what"]:{w}} {e["reference"]:29} {cell(e.get("gzvm"), e["key"]):38} '
                  f'{cell(sys_k, e["key"]):38} {vs}')
        print('Each cell: median time, its median ratio to the reference measured in the '
              'same repetition [min-max of that ratio], n repetitions.')
    for m in missing:
        print(f'bench-report: no console {m}', file=sys.stderr)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'rows': table, 'consoles': {'hyp': args.hyp, 'kvm': args.kvm}},
                      f, indent=1)
    sys.exit(1 if missing else 0)


if __name__ == '__main__':
    main()
