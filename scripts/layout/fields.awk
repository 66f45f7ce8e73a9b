# SPDX-License-Identifier: GPL-2.0
#
# Read bindgen's output (bindings_generated.rs) and list, for each struct
# named in WANT (space-separated), what check-layouts.sh probes:
#
#   S <name> <struct|union>            a record bindgen exposes with fields
#   O <name> <opaque|incomplete|absent> one it does not (size/align only, or skip)
#   F <name> <c-field> <rust-path> <fam|->
#
# Members of anonymous structs and unions (bindgen's __bindgen_anon_N of type
# <name>__bindgen_ty_N) are flattened, as C names them: offsetof(struct page,
# mapping) is offset_of!(page, __bindgen_anon_1.__bindgen_anon_1.mapping).
# Bitfield storage units and bindgen's padding have no C name and are skipped;
# a field renamed because it is a Rust keyword (type_) gets its C name back.
#
#   awk -v WANT="task_struct page" -f fields.awk bindings_generated.rs

BEGIN {
	split("as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while abstract become box do final macro override priv try typeof unsized virtual yield gen", kw, " ")
	for (i in kw)
		keyword[kw[i]] = 1
}

/^pub (struct|union) [A-Za-z0-9_]+ \{\}$/ {
	kind[$3] = $2
	nf[$3] = 0
	next
}
/^pub (struct|union) [A-Za-z0-9_]+ \{/ {
	cur = $3
	kind[cur] = $2
	nf[cur] = 0
	next
}
cur != "" && /^\}/ {
	cur = ""
	next
}
cur != "" && /^    (pub )?[A-Za-z0-9_]+: / {
	line = $0
	sub(/^    (pub )?/, "", line)
	name = line
	sub(/:.*/, "", name)
	type = line
	sub(/^[^:]*: */, "", type)
	sub(/,$/, "", type)
	if (name == "_unused")
		incomplete[cur] = 1
	else if (name == "_bindgen_opaque_blob")
		opaque[cur] = 1
	nf[cur]++
	fname[cur, nf[cur]] = name
	ftype[cur, nf[cur]] = type
	next
}

function walk(top, rec, prefix,    i, name, type, cname) {
	for (i = 1; i <= nf[rec]; i++) {
		name = fname[rec, i]
		type = ftype[rec, i]
		if (name ~ /^__bindgen_anon_[0-9]+$/) {
			walk(top, type, prefix name ".")
			continue
		}
		if (name ~ /^_bitfield_(align_)?[0-9]+$/ || name ~ /^__bindgen_padding_[0-9]+$/ ||
		    name == "_address")
			continue
		cname = name
		if (cname ~ /_$/ && (substr(cname, 1, length(cname) - 1) in keyword))
			cname = substr(cname, 1, length(cname) - 1)
		print "F", top, cname, prefix name, (type ~ /^__IncompleteArrayField/ ? "fam" : "-")
	}
}

END {
	n = split(WANT, want, " ")
	for (i = 1; i <= n; i++) {
		s = want[i]
		if (!(s in kind))
			print "O", s, "absent"
		else if (s in incomplete)
			print "O", s, "incomplete"
		else if (s in opaque)
			print "O", s, "opaque " kind[s]
		else {
			print "S", s, kind[s]
			walk(s, s, "")
		}
	}
}
