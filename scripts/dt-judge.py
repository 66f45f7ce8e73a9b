#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Turn check-dt.sh's manifest and dt-validate's JSON diagnostics into TAP.
#
#   dt-judge.py MANIFEST DIAGNOSTICS.json
#
# Manifest lines (tab-separated):
#   point    ok|fail NAME [DIAG_FILE]   a result decided by check-dt.sh
#   baseline BASE PATH                  report the base DTB's own diagnostics
#   compare  NAME BASE_DTB DTB          DTB may have no diagnostic BASE_DTB lacks
#   clean    NAME DTB                   DTB may have no diagnostic at all
#   reject   NAME BASE_DTB DTB          DTB must have a diagnostic BASE_DTB lacks
#
# A diagnostic is identified by its node path and message, so the same
# upstream problem in the base and the overlaid DTB cancels out.

import collections
import json
import os
import sys


def key(d):
	return (d.get('type', ''), d.get('node') or '', d.get('message', ''))


def text(d):
	return d.get('formatted') or f"{d.get('node') or ''}: {d.get('message', '')}"


def main():
	manifest, diag_file = sys.argv[1], sys.argv[2]
	diags = collections.defaultdict(list)
	try:
		with open(diag_file, encoding='utf-8') as f:
			for d in json.load(f):
				diags[os.path.abspath(d.get('file', ''))].append(d)
		validated = True
	except (OSError, ValueError):
		validated = False

	results = []

	def point(ok, name, lines=()):
		results.append((ok, name, list(lines)))

	def of(path):
		return diags[os.path.abspath(path)]

	def new(base, dtb):
		have = collections.Counter(key(d) for d in of(base))
		out = []
		for d in of(dtb):
			k = key(d)
			if have[k] > 0:
				have[k] -= 1
			else:
				out.append(d)
		return out

	def missing(*paths):
		if not validated:
			return ['dt-validate wrote no diagnostics (see dt-validate.log)']
		return [f'{p}: missing' for p in paths if not os.path.isfile(p)]

	comments = []
	with open(manifest, encoding='utf-8') as f:
		for line in f:
			kind, *a = line.rstrip('\n').split('\t')
			if kind == 'point':
				lines = []
				if len(a) > 2 and a[2] and os.path.isfile(a[2]):
					with open(a[2], encoding='utf-8', errors='replace') as df:
						lines = df.read().splitlines()
				point(a[0] == 'ok', a[1], lines)
			elif kind == 'baseline':
				n = len(of(a[1]))
				comments.append(f'{a[0]}: {n} pre-existing upstream schema diagnostics')
			elif kind == 'compare':
				err = missing(a[1], a[2])
				extra = [] if err else new(a[1], a[2])
				point(not err and not extra, a[0], err + [text(d) for d in extra])
			elif kind == 'clean':
				err = missing(a[1])
				found = [] if err else of(a[1])
				point(not err and not found, a[0], err + [text(d) for d in found])
			elif kind == 'reject':
				err = missing(a[1], a[2])
				extra = [] if err else new(a[1], a[2])
				if err:
					point(False, a[0], err)
				elif extra:
					point(True, a[0], [])
					comments.append(f'{a[0]}: ' + text(extra[0]).replace('\n', ' '))
				else:
					point(False, a[0], ['dt-validate found nothing new'])

	print('TAP version 13')
	print(f'1..{len(results)}')
	for c in comments:
		print(f'# {c}')
	for i, (ok, name, lines) in enumerate(results, 1):
		print(f"{'ok' if ok else 'not ok'} {i} {name}")
		if not ok:
			for l in lines[:40]:
				print(f'# {l}')


if __name__ == '__main__':
	main()
