#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge kernel-hardening-checker results against the accepted-FAIL list.

Usage: khc-judge.py NAME KHC_JSON EXPECTED [--info] [--type TYPE]
       khc-judge.py --lint EXPECTED NAME...

KHC_JSON is the output of `kernel-hardening-checker -m json` for config NAME.
EXPECTED (configs/khc-expected.txt) has one accepted FAIL a line:

    CONFIGS | OPTION | DESIRED | REASON

CONFIGS is a comma-separated list of config names, OPTION and DESIRED are the
checker's option_name and desired_val, REASON says why the FAIL is accepted.
A FAIL that no entry covers fails the judgement, and so does an entry for NAME
that no longer FAILs (stale), so the list stays true. With --info the FAILs
are only listed (for configs that are not hardened, like the test kernel).
With --type only the checks of that type (kconfig, cmdline, sysctl) count.

Prints `# ` diagnostic lines and a count line per check type; exits 1 on any
unexpected or stale entry. --lint checks the list's syntax and that every
config it names is one of NAME....
"""
import json
import sys


def load_expected(path):
    entries, errors = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            fields = [x.strip() for x in line.split('|')]
            if len(fields) != 4 or not all(fields):
                errors.append(f'{path}:{n}: want "CONFIGS | OPTION | DESIRED | REASON"')
                continue
            names = [x.strip() for x in fields[0].split(',') if x.strip()]
            entries.append((n, names, fields[1], fields[2], fields[3]))
    return entries, errors


def lint(path, known):
    entries, errors = load_expected(path)
    seen = {}
    for n, names, opt, want, _ in entries:
        for name in names:
            if name not in known:
                errors.append(f'{path}:{n}: unknown config "{name}"')
            key = (name, opt, want)
            if key in seen:
                errors.append(f'{path}:{n}: duplicate of line {seen[key]}')
            seen[key] = n
    for e in errors:
        print(f'# {e}')
    return 1 if errors else 0


def judge(name, results_path, expected_path, info, only=None):
    with open(results_path) as f:
        results = [r for r in json.load(f) if only is None or r['type'] == only]
    if not results:
        print(f'# no {only or ""} results in {results_path}')
        return 1
    entries, errors = load_expected(expected_path)
    accepted = {(opt, want): (n, reason) for n, names, opt, want, reason in entries
                if name in names}

    counts = {}
    unexpected, used = [], set()
    for r in results:
        kind = r['type']
        ok, fail = counts.get(kind, (0, 0))
        if r['check_result_bool']:
            counts[kind] = (ok + 1, fail)
            continue
        counts[kind] = (ok, fail + 1)
        key = (r['option_name'], r['desired_val'])
        if key in accepted:
            used.add(key)
        else:
            unexpected.append(r)

    if info:
        for r in unexpected:
            print(f'#   FAIL {r["option_name"]} (want {r["desired_val"]}): {r["check_result"]}')
    else:
        for r in unexpected:
            print(f'# unexpected FAIL: {r["type"]} {r["option_name"]} '
                  f'(want {r["desired_val"]}): {r["check_result"]}')
        for key in sorted(set(accepted) - used):
            print(f'# stale accepted FAIL (line {accepted[key][0]}): {key[0]} '
                  f'(want {key[1]}) no longer fails; remove it from {expected_path}')
    for e in errors:
        print(f'# {e}')
    for kind in sorted(counts):
        ok, fail = counts[kind]
        acc = sum(1 for key in used if any(
            r['type'] == kind and (r['option_name'], r['desired_val']) == key for r in results))
        note = 'informational' if info else f'{acc} accepted'
        print(f'# {name}: {kind} {ok} OK / {fail} FAIL ({note})')
    if info:
        return 0
    return 1 if unexpected or set(accepted) - used or errors else 0


def main():
    args = sys.argv[1:]
    if args[:1] == ['--lint'] and len(args) >= 2:
        sys.exit(lint(args[1], set(args[2:])))
    info = '--info' in args
    args = [a for a in args if a != '--info']
    only = None
    if '--type' in args:
        i = args.index('--type')
        if i + 1 >= len(args):
            sys.exit(__doc__)
        only = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    sys.exit(judge(*args, info, only))


if __name__ == '__main__':
    main()
