#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a QEMU test run's console log into per-suite results and a verdict.

Usage: parse-results.py CONSOLE_LOG [--kselftest NAME]... [--kunit NAME]...
                        [--tap NAME=FILE]...

The guest (scripts/guest-init.sh) frames each suite between
"@@GV begin <kind> <name>" and "@@GV end <name> rc=<rc>". Every expected
kselftest and KUnit suite must appear; TAP plans must be complete; a test
binary's non-zero exit without a failing test point is a failure too. The
dmesg dump is searched for kernel splats and the kmemleak report for leaks;
each finding is a failed check. --tap adds results produced on the host
(quality gates); --canary judges the detector canary boot, where every
checker must have fired. Prints "N passed, M failed, K skipped" last and exits 1 on
any failure.
"""
import argparse
import re
import sys

TAP = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\s*-?\s*([^#]*?)\s*(#\s*(.*))?$')
PLAN = re.compile(r'^\s*1\.\.(\d+)')
PLAN_SKIP = re.compile(r'^1\.\.0\s*#\s*SKIP\s*(.*)$', re.IGNORECASE)
# Markers are searched anywhere in a line: kernel messages on the same serial
# console can land on either side of them.
BEGIN = re.compile(r'@@GV begin (\S+) ([^\s\[]+)')
END = re.compile(r'@@GV end ([^\s\[]+) rc=(\d+)')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')

# Kernel reports that fail a run, whatever the tests said.
SPLATS = [
    ('oops', re.compile(r'Internal error:|\bOops\b')),
    ('BUG', re.compile(r'\bBUG:|kernel BUG at')),
    ('WARNING', re.compile(r'WARNING:|-+\[ cut here \]-+')),
    ('lockdep', re.compile(r'possible (circular|recursive) locking|'
                           r'inconsistent lock state|lock held when returning')),
    ('KASAN', re.compile(r'KASAN:')),
    ('KFENCE', re.compile(r'KFENCE:')),
    ('UBSAN', re.compile(r'UBSAN:')),
    ('kmemleak', re.compile(r'kmemleak: \d+ new suspected memory leak')),
    ('panic', re.compile(r'Kernel panic|panicked at|rust_panic')),
    ('hang', re.compile(r'blocked for more than|soft lockup|hard LOCKUP|'
                        r'rcu.*detected stalls')),
]


class Counter:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, suite, name, status, why=''):
        if status == 'pass':
            self.passed += 1
        elif status == 'skip':
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(f'{suite}: {name}{": " + why if why else ""}')


def tap_points(lines, level=None):
    """(indent, status, name, directive) for each TAP result line."""
    pts = []
    for line in lines:
        m = TAP.match(line)
        if not m:
            continue
        status = 'pass' if m.group(2) == 'ok' else 'fail'
        directive = (m.group(6) or '').strip()
        if directive.upper().startswith('SKIP'):
            status = 'skip'
        elif directive.upper().startswith(('XFAIL', 'TODO')) and status == 'fail':
            status = 'pass'
        pts.append((len(m.group(1).expandtabs()), status, m.group(4), directive))
    return pts


def parse_sections(lines):
    sections, cur, done = {}, None, False
    for raw in lines:
        line = raw.rstrip('\r\n')
        if '@@GV done' in line:
            done = True
            continue
        m = BEGIN.search(line)
        if m:
            cur = {'kind': m.group(1), 'name': m.group(2), 'lines': [], 'rc': None}
            sections[(m.group(1), m.group(2))] = cur
            continue
        m = END.search(line)
        if m and cur is not None:
            cur['rc'] = int(m.group(2))
            cur = None
            continue
        if cur is not None:
            cur['lines'].append(line)
    return sections, done


def report_tap_suite(c, kind, name, sec, out=print):
    lines = [TIMESTAMP.sub('', l) for l in sec['lines']]
    pts = [p for p in tap_points(lines) if p[0] == 0]
    plan = next((int(m.group(1)) for m in map(PLAN.match, lines) if m and
                 not m.group(0).startswith((' ', '\t'))), None)
    before = (c.passed, c.failed, c.skipped)
    for _, status, tname, directive in pts:
        c.add(f'{kind} {name}', tname, status, directive if status == 'fail' else '')
    if sec['rc'] is None:
        c.add(f'{kind} {name}', 'suite', 'fail', 'did not finish')
    elif plan is not None and len(pts) != plan:
        c.add(f'{kind} {name}', 'plan', 'fail',
              f'{len(pts)} of {plan} planned results (crash or timeout; rc={sec["rc"]})')
    elif plan in (None, 0) and not pts and sec['rc'] == 4:
        # A program that skips as a whole: kselftest's "1..0 # SKIP <reason>"
        # (ksft_exit_skip() before any test) and exit code 4.
        why = next((m.group(1).strip() for m in map(PLAN_SKIP.match, lines) if m),
                   'skipped as a whole')
        c.add(f'{kind} {name}', 'suite', 'skip', why)
        out(f'  {"":9} {name} skipped: {why}')
    elif not pts:
        c.add(f'{kind} {name}', 'suite', 'fail', f'no TAP output (rc={sec["rc"]})')
    elif sec['rc'] not in (0, 4) and c.failed == before[1]:
        c.add(f'{kind} {name}', 'exit', 'fail', f'exit code {sec["rc"]} with no failing test')
    p, f, s = (c.passed - before[0], c.failed - before[1], c.skipped - before[2])
    out(f'  {kind:9} {name:40} {p:4} passed {f:3} failed {s:3} skipped')


def report_kunit(c, name, sec, out=print):
    pts = tap_points([TIMESTAMP.sub('', l) for l in sec['lines']])
    levels = sorted({p[0] for p in pts})
    # Test cases sit one level below the suite's own result line.
    cases = [p for p in pts if len(levels) > 1 and p[0] == levels[1]] or pts
    before = (c.passed, c.failed, c.skipped)
    for _, status, tname, directive in cases:
        c.add(f'kunit {name}', tname, status, directive if status == 'fail' else '')
    if not cases:
        c.add(f'kunit {name}', 'suite', 'fail', 'no results')
    p, f, s = (c.passed - before[0], c.failed - before[1], c.skipped - before[2])
    out(f'  {"kunit":9} {name:40} {p:4} passed {f:3} failed {s:3} skipped')


def evaluate(log, kselftests, kunits, taps, out=print):
    """Judge one run; returns the Counter. taps: [(name, lines)]."""
    c = Counter()
    for name, lines in taps:
        report_tap_suite(c, 'host', name, {'lines': lines, 'rc': 0}, out)
    sections, done = parse_sections(log)

    if not log:
        c.add('guest', 'boot', 'fail', 'no console output (QEMU did not run)')
        return c
    boot = sections.get(('boot', 'modules'))
    if boot:
        report_tap_suite(c, 'boot', 'modules', boot, out)
    else:
        c.add('guest', 'boot', 'fail', 'init never loaded the modules')
    for name in kselftests:
        sec = sections.get(('kselftest', name))
        if sec is None:
            c.add(f'kselftest {name}', 'suite', 'fail', 'missing from the run')
        else:
            report_tap_suite(c, 'kselftest', name, sec, out)
    # Every KUnit suite that ran counts (ours and the kernel's built-in
    # Rust ones); ours must all be there.
    for (kind, name), sec in sorted(sections.items()):
        if kind == 'kunit':
            report_kunit(c, name, sec, out)
    for name in kunits:
        if ('kunit', name) not in sections:
            c.add(f'kunit {name}', 'suite', 'fail', 'missing (module not loaded?)')
    if not done:
        c.add('guest', 'completion', 'fail', 'the run did not finish (hang or crash)')

    leaks = sections.get(('kmemleak', 'kmemleak'))
    if leaks is None:
        c.add('guest', 'kmemleak', 'fail', 'no kmemleak report')
    else:
        n = sum(1 for l in leaks['lines'] if l.startswith('unreferenced object'))
        c.add('guest', 'kmemleak', 'fail' if n else 'pass',
              f'{n} unreferenced object(s)' if n else '')
        out(f'  {"guest":9} {"kmemleak scan":40} {n} leak(s)')

    dmesg = sections.get(('dmesg', 'dmesg'))
    text = dmesg['lines'] if dmesg else log
    found = False
    for what, rx in SPLATS:
        hits = [l for l in text if rx.search(l)]
        if hits:
            found = True
            c.add('guest', f'dmesg {what}', 'fail', hits[0].strip())
    if dmesg is None:
        c.add('guest', 'dmesg', 'fail', 'no dmesg dump')
    elif not found:
        c.add('guest', 'dmesg clean', 'pass')
    out(f'  {"guest":9} {"dmesg splat scan":40} '
        f'{"clean" if dmesg is not None and not found else "FAILED"}')
    return c


INIT = re.compile(r'^\[\s*(\d+\.\d+)\] Run /init as init process')


def boot_seconds(log):
    """Kernel time at which the host kernel started /init, or None."""
    for line in log:
        m = INIT.match(line)
        if m:
            return float(m.group(1))
    return None


def canary(log, out=print):
    """The canary boot must show every detector firing."""
    c = Counter()
    sections, done = parse_sections(log)
    dmesg = sections.get(('dmesg', 'dmesg'), {'lines': []})['lines']
    leaks = sections.get(('kmemleak', 'kmemleak'), {'lines': []})['lines']
    want = {'WARNING': 'WARNING', 'KASAN': 'KASAN', 'lockdep': 'lockdep'}
    for name, what in want.items():
        rx = dict(SPLATS)[what]
        c.add('canary', f'{name} detected', 'pass' if any(rx.search(l) for l in dmesg)
              else 'fail', 'the kernel did not report the deliberate bug')
    c.add('canary', 'kmemleak detected', 'pass' if any(
        l.startswith('unreferenced object') for l in leaks) else 'fail',
        'kmemleak did not report the deliberate leak')
    c.add('canary', 'run finished', 'pass' if done else 'fail', 'no done marker')
    out(f'  {"canary":9} {"deliberate bugs detected":40} {c.passed:4} passed {c.failed:3} failed')
    return c


def selftest():
    """Check the judge itself on synthetic runs; prints TAP."""
    ok_run = [
        '@@GV begin boot modules', 'TAP version 13', '1..1', 'ok 1 insmod a.ko',
        '@@GV end modules rc=0',
        '@@GV begin kselftest s/t', '1..2', 'ok 1 a', 'ok 2 b # SKIP no dev',
        '@@GV end s/t rc=0',
        '@@GV begin kunit k', 'KTAP version 1', '1..1', '    1..2',
        '    ok 1 x', '    ok 2 y', 'ok 1 k', '@@GV end k rc=0',
        '@@GV begin kmemleak kmemleak', '@@GV end kmemleak rc=0',
        '@@GV begin dmesg dmesg', '[    1.0] hello', '@@GV end dmesg rc=0',
        '@@GV done',
    ]

    def edit(old, new):
        return [new if l == old else l for l in ok_run]

    def drop(*lines):
        return [l for l in ok_run if l not in lines]

    def add_dmesg(line):
        i = ok_run.index('@@GV end dmesg rc=0')
        return ok_run[:i] + [line] + ok_run[i:]

    cases = [
        ('clean run passes', ok_run, 0, (6, 1)),
        ('failing test point', edit('ok 1 a', 'not ok 1 a'), 1, None),
        ('truncated plan', drop('ok 2 b # SKIP no dev'), 1, None),
        ('crash without TAP failure', edit('@@GV end s/t rc=0', '@@GV end s/t rc=139'), 1, None),
        ('missing kselftest', drop('@@GV begin kselftest s/t'), 1, None),
        ('failing kunit case', edit('    ok 2 y', '    not ok 2 y'), 1, None),
        ('hang (no done marker)', drop('@@GV done'), 1, None),
        ('insmod failure', edit('ok 1 insmod a.ko', 'not ok 1 insmod a.ko'), 1, None),
        ('WARNING in dmesg', add_dmesg('[    2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0'), 1, None),
        ('KASAN report', add_dmesg('[ 2.0] BUG: KASAN: slab-use-after-free in f+0x0'), 1, None),
        ('lockdep report', add_dmesg('[ 2.0] WARNING: possible circular locking dependency detected'), 1, None),
        ('KFENCE report', add_dmesg('[ 2.0] BUG: KFENCE: out-of-bounds read in f+0x0'), 1, None),
        ('kmemleak leak', edit('@@GV end kmemleak rc=0', 'unreferenced object 0xffff (size 64):'), 1, None),
        ('Rust panic', add_dmesg('[ 2.0] rust_kernel: panicked at gzvm/x.rs:1:1'), 1, None),
        ('no output at all', [], 1, None),
        ('program skipped as a whole (a 1..0 plan with a SKIP reason)',
         ok_run[:5] +
         ['@@GV begin kselftest s/t', '1..0 # SKIP no /dev/x', '@@GV end s/t rc=4'] +
         ok_run[10:], 0, (5, 1)),
        ('empty plan without a skip exit',
         ok_run[:5] + ['@@GV begin kselftest s/t', '1..0', '@@GV end s/t rc=0'] +
         ok_run[10:], 1, None),
        ('kernel text glued to markers',
         ['[ 9.0] x' + l + '[ 9.1] kmemleak: scan' if l.startswith('@@GV begin') or
          l.startswith('@@GV end') else l for l in ok_run], 0, (6, 1)),
    ]
    print('TAP version 13')
    print(f'1..{len(cases)}')
    bad = 0
    for i, (name, log, want_fail, counts) in enumerate(cases, 1):
        c = evaluate(log, ['s/t'], ['k'], [], out=lambda *a: None)
        good = bool(c.failed) == bool(want_fail)
        if counts and good:
            good = (c.passed, c.skipped) == counts
        bad += not good
        print(f'{"ok" if good else "not ok"} {i} {name}')
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log', nargs='?')
    ap.add_argument('--kselftest', action='append', default=[])
    ap.add_argument('--kunit', action='append', default=[])
    ap.add_argument('--tap', action='append', default=[])
    ap.add_argument('--canary', help='console log of the detector canary boot')
    ap.add_argument('--failed-out', help='write the kselftest suites that failed here, '
                    'one per line (make check FAILED=1 reruns them)')
    ap.add_argument('--kvm', help='console log of the boot at EL2 with KVM '
                    '(the KVM harness, selftests/kvm-bench/, scripts/run-qemu.sh kvm)')
    ap.add_argument('--kvm-kselftest', action='append', default=[],
                    help='suites expected in the --kvm boot (default kvm-bench/bench)')
    ap.add_argument('--selftest', action='store_true',
                    help='check this judge on synthetic runs (TAP output)')
    args = ap.parse_args()
    if args.selftest:
        sys.exit(selftest())

    taps = []
    for spec in args.tap:
        name, _, path = spec.partition('=')
        with open(path, errors='replace') as f:
            taps.append((name, f.read().splitlines()))
    try:
        with open(args.log, errors='replace') as f:
            log = f.read().splitlines()
    except (FileNotFoundError, TypeError):
        log = []

    bench = [l.split('bench:', 1)[1].strip() for l in log if '# bench:' in l]
    if bench:
        print('Benchmarks:')
        for b in bench:
            print(f'  {b}')
    clog = None
    if args.canary:
        try:
            with open(args.canary, errors='replace') as f:
                clog = f.read().splitlines()
        except FileNotFoundError:
            pass
    hyp_boot = boot_seconds(log)
    bare_boot = boot_seconds(clog) if clog else None
    if hyp_boot and bare_boot:
        print(f'Host kernel boot to /init: {hyp_boot:.1f} s at EL1 under gzhyp, '
              f'{bare_boot:.1f} s without a hypervisor (ratio {hyp_boot / bare_boot:.2f})')
    print('Results:')
    c = evaluate(log, args.kselftest, args.kunit, taps)
    if args.canary:
        if clog is None:
            k = Counter()
            k.add('canary', 'boot', 'fail', 'no canary console log')
        else:
            k = canary(clog)
        c.passed += k.passed
        c.failed += k.failed
        c.failures += k.failures
    if args.kvm:
        print('Results with the host at EL2 and KVM (the KVM harness):')
        try:
            with open(args.kvm, errors='replace') as f:
                klog = f.read().splitlines()
        except FileNotFoundError:
            klog = []
        k = evaluate(klog, args.kvm_kselftest or ['kvm-bench/bench'], [], [],
                     out=lambda s: print('  kvm' + s))
        c.passed += k.passed
        c.failed += k.failed
        c.skipped += k.skipped
        c.failures += [f'kvm {f}' for f in k.failures]
    if args.failed_out:
        suites = sorted({f.split(':', 1)[0][len('kselftest '):]
                         for f in c.failures if f.startswith('kselftest ')})
        with open(args.failed_out, 'w') as f:
            f.writelines(f'{s}\n' for s in suites)
    if c.failures:
        print('Failures:')
        for f in c.failures:
            print(f'  {f}')
    print(f'{c.passed} passed, {c.failed} failed, {c.skipped} skipped')
    sys.exit(1 if c.failed else 0)


if __name__ == '__main__':
    main()
