#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Add binding files to a processed dtschema schema set without processing
# the whole upstream binding tree again (dt-mk-schema takes minutes on it,
# a handful of extra files takes a second).
#
#   dt-schema-merge.py BASE.json OUT.json BINDING.yaml...
#
# BASE.json is dt-mk-schema -j output for the upstream bindings. Each
# binding is processed exactly as dt-mk-schema does it, then the generated
# property-type and compatible tables are rebuilt over the union, so
# OUT.json equals dt-mk-schema -j over both sets of bindings. A binding that
# dtschema rejects, or whose $id is already taken, is an error.

import json
import sys

import dtschema
from dtschema import validator as dv

GENERATED = ("generated-compatibles", "generated-types", "generated-pattern-types")


def main():
	if len(sys.argv) < 3:
		sys.exit("usage: dt-schema-merge.py BASE.json OUT.json BINDING.yaml...")
	base, out, bindings = sys.argv[1], sys.argv[2], sys.argv[3:]

	with open(base, encoding="utf-8") as f:
		schemas = json.load(f)
	if schemas.pop("version", None) != dtschema.__version__:
		sys.exit(f"{base}: made by another dtschema version, remake it")
	for k in GENERATED:
		schemas.pop(k, None)

	bad = False
	for b in bindings:
		if not dv._add_schema(schemas, b):
			print(f"{b}: not added (invalid schema or duplicate $id)", file=sys.stderr)
			bad = True
	if bad:
		sys.exit(1)

	# Rebuild the generated tables the way DTValidator does for sources.
	v = dv.DTValidator.__new__(dv.DTValidator)
	v.schemas = schemas
	v.make_property_type_cache()
	dv.make_compatible_schema(schemas)
	schemas["version"] = dtschema.__version__

	with open(out, "w", encoding="utf-8") as f:
		json.dump(schemas, f, indent=4, sort_keys=True)


if __name__ == "__main__":
	main()
