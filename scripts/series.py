#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the project into a patch series for a kernel tree.

  series.py drivers
      print the kernel-tree folder of each driver, one per line
  series.py make KSRC OUTDIR
      commit the series on top of KSRC's tag gv-base (without touching its
      work tree), point refs/gv/series at the last commit, and write
      OUTDIR/0000-cover-letter.patch and OUTDIR/NNNN-*.patch with
      git format-patch

series/series.txt says what each patch holds and its commit message: a
block starts with a line "=== <project path>..." (files or folders), then
the subject, a blank line and the body. Every project file that belongs in
the kernel must be claimed by exactly one block (see OWNED and EXCLUDED);
an unclaimed or doubly claimed file is an error, so a new file cannot be
left out silently.

Where each project file lands (MAP) and how the kernel's own files are
edited to reach it (the hooks below) is the layout a reviewer sees:
gzvm under drivers/virt/geniezone (where upstream's GenieZone driver
lives), bpmp-virt beside the Tegra BPMP driver, vfio-platform-ext beside
vfio-platform's other reset modules, the kernel-crate additions in rust/.
"""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile

import vendor_prefixes  # scripts/vendor_prefixes.py, next to this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERIES = os.path.join(ROOT, 'series', 'series.txt')
AUTHOR = ''

# project prefix -> tree prefix, longest prefix first.
MAP = [
    ('gzvm/include/uapi/linux/', 'include/uapi/linux/'),
    ('bpmp-virt/include/uapi/linux/', 'include/uapi/linux/'),
    ('gzvm/', 'drivers/virt/geniezone/'),
    ('bpmp-virt/', 'drivers/firmware/tegra/bpmp-virt/'),
    ('vfio-platform-ext/', 'drivers/vfio/platform/reset/ext/'),
    ('selftests/', 'tools/testing/selftests/'),
    ('rust/kernel/', 'rust/kernel/'),
    ('rust/helpers/', 'rust/helpers/'),
    ('Documentation/', 'Documentation/'),
]

# Driver folders: (project dir, Kconfig symbol, parent Kconfig and the line
# our "source" goes before, parent Makefile).
DRIVERS = [
    ('gzvm', 'GZVM', 'drivers/virt/Kconfig', 'endif', 'drivers/virt/Makefile'),
    ('bpmp-virt', 'BPMP_VIRT', 'drivers/firmware/tegra/Kconfig', 'endmenu',
     'drivers/firmware/tegra/Makefile'),
    ('vfio-platform-ext', 'VFIO_PLATFORM_EXT', 'drivers/vfio/platform/reset/Kconfig',
     'endif', 'drivers/vfio/platform/reset/Makefile'),
]

# uapi headers the kernel crate's `uapi` bindings include (read by the
# drivers as kernel::uapi, the way Rust binder reads its uapi).
RUST_UAPI = {'gzvm.h'}

# Selftest suites that join the default TARGETS of tools/testing/selftests
# (gzvm and kvm-bench build nothing off arm64, like the kvm suite).
DEFAULT_TARGETS = {'gzvm', 'kvm-bench', 'bpmp-virt', 'vfio-platform-ext'}

# Our pages in the kernel's books: index page, the entry ours follows, ours.
TOCTREE = [
    ('Documentation/virt/index.rst', 'hyperv/index', 'geniezone/index'),
    ('Documentation/virt/index.rst', 'geniezone/index', 'bpmp-host'),
    ('Documentation/driver-api/index.rst', 'vfio', 'vfio-platform-ext'),
]

# Project files that are the kernel's (one of them must claim each) and
# those that stay in the project: the test hypervisor, the canary module.
OWNED = ['gzvm/*', 'bpmp-virt/*', 'vfio-platform-ext/*', 'selftests/*', 'rust/*',
         'Documentation/*', 'series/MAINTAINERS', 'series/bindgen_parameters',
         'series/ioctl-number.rst']
EXCLUDED = ['gzvm/hyp/*', 'selftests/canary/*']


def die(msg):
    sys.exit(f'series.py: error: {msg}')


def git(ksrc, *args, inp=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run(['git', '-C', ksrc, *args], input=inp, capture_output=True, env=e)
    if r.returncode != 0:
        die(f'git {" ".join(args)}: {r.stderr.decode(errors="replace").strip()}')
    return r.stdout


def project_files():
    out = subprocess.run(['git', '-C', ROOT, 'ls-files', '--cached', '--others',
                          '--exclude-standard'], capture_output=True, check=True)
    return sorted(f for f in out.stdout.decode().splitlines()
                  if os.path.isfile(os.path.join(ROOT, f)))


def matches(path, pats):
    return any(fnmatch.fnmatch(path, p) for p in pats)


def tree_path(path):
    for src, dst in MAP:
        if path.startswith(src):
            return dst + path[len(src):]
    return None


def parse_series():
    """[(paths, message)] from series/series.txt."""
    blocks = []
    with open(SERIES) as f:
        for line in f:
            if line.startswith('==='):
                blocks.append((line[3:].split(), []))
            elif blocks:
                blocks[-1][1].append(line.rstrip('\n'))
            elif line.strip() and not line.startswith('#'):
                die(f'{SERIES}: text before the first "===" line')
    out = []
    for paths, msg in blocks:
        while msg and not msg[-1].strip():
            msg.pop()
        while msg and not msg[0].strip():
            msg.pop(0)
        if len(msg) < 3 or msg[1].strip():
            die(f'{SERIES}: block {paths}: want a subject, a blank line and a body')
        out.append((paths, '\n'.join(msg) + '\n'))
    return out


def claim(blocks, files):
    """[(files, message)]: each block's project files, every owned file once.
    A file named exactly is the block's; a folder takes the files under it
    that no block names exactly."""
    owned = [f for f in files if matches(f, OWNED) and not matches(f, EXCLUDED)]
    named = [p for paths, _ in blocks for p in paths if p in owned]
    twice = {p for p in named if named.count(p) > 1}
    if twice:
        die('named by two patches: ' + ' '.join(sorted(twice)))
    owner = {}
    result = []
    for paths, msg in blocks:
        subject = msg.splitlines()[0]
        mine = []
        for p in paths:
            hit = [p] if p in owned else \
                [f for f in owned if f.startswith(p.rstrip('/') + '/') and f not in named]
            if not hit:
                die(f'{SERIES}: "{p}" names no file the series can hold')
            for f in hit:
                if f in owner:
                    die(f'{f} is in two folders named by patches ("{owner[f]}", "{subject}")')
                owner[f] = subject
            mine += hit
        result.append((mine, msg))
    left = [f for f in owned if f not in owner]
    if left:
        die('no patch in series/series.txt claims: ' + ' '.join(left))
    return result


class Tree:
    """The tree being edited: files of the base commit plus our changes."""

    def __init__(self, ksrc, base):
        self.ksrc, self.base, self.changed, self.mode = ksrc, base, {}, {}

    def exists(self, path):
        if path in self.changed:
            return True
        r = subprocess.run(['git', '-C', self.ksrc, 'cat-file', '-e', f'{self.base}:{path}'],
                           capture_output=True)
        return r.returncode == 0

    def read(self, path):
        if path in self.changed:
            return self.changed[path]
        return git(self.ksrc, 'show', f'{self.base}:{path}').decode()

    def write(self, path, text, executable=False):
        self.changed[path] = text
        if executable:
            self.mode[path] = '100755'


def insert_sorted(lines, new, is_peer, key=lambda l: l):
    """Insert line new among the consecutive run of lines for which is_peer
    holds (the first such run), keeping it sorted by key; no-op if there."""
    if new in lines:
        return lines
    idx = [i for i, l in enumerate(lines) if is_peer(l)]
    if not idx:
        die(f'no place for "{new}"')
    at = idx[-1] + 1
    for i in idx:
        if key(lines[i]) > key(new):
            at = i
            break
    return lines[:at] + [new] + lines[at:]


def strip_header(text):
    """A helper or bindings file without its SPDX line and leading comment."""
    lines = text.splitlines()
    while lines and (lines[0].startswith('// SPDX') or lines[0].startswith('/* SPDX')
                     or not lines[0].strip()):
        lines.pop(0)
    if lines and lines[0].startswith('/*'):
        while lines and not lines[0].rstrip().endswith('*/'):
            lines.pop(0)
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def add_rust_module(tree, src, name):
    """rust/kernel/<name>.rs and its declaration in lib.rs, gated like the
    module's own #![cfg(...)] (the way lib.rs gates upstream's modules)."""
    tree.write(f'rust/kernel/{name}.rs', src)
    gate = re.search(r'^#!\[cfg\((.*)\)\]$', src, re.M)
    lines = tree.read('rust/kernel/lib.rs').splitlines()
    decl = f'pub mod {name};'
    if decl in lines:
        return
    mods = [i for i, l in enumerate(lines) if re.match(r'pub mod [a-z_0-9]+;$', l)]
    at = mods[-1] + 1
    for i in mods:
        if lines[i][8:-1] > name:
            at = i
            # A gate line belongs to the declaration below it.
            while at > 0 and lines[at - 1].startswith('#['):
                at -= 1
            break
    new = ([f'#[cfg({gate.group(1)})]'] if gate else []) + [decl]
    lines[at:at] = new
    tree.write('rust/kernel/lib.rs', '\n'.join(lines) + '\n')


def add_helper(tree, src, name):
    """rust/helpers/<name>.c: a new file #included by helpers.c, or, if the
    kernel has that file, our functions appended to it."""
    path = f'rust/helpers/{name}.c'
    if tree.exists(path):
        have = tree.read(path).splitlines()
        body = strip_header(src)
        incs = [l for l in body if l.startswith('#include')]
        rest = [l for l in body if not l.startswith('#include')]
        for inc in incs:
            if inc not in have:
                have = insert_sorted(have, inc, lambda l: l.startswith('#include'))
        while rest and not rest[0].strip():
            rest.pop(0)
        tree.write(path, '\n'.join(have + [''] + rest) + '\n')
        return
    tree.write(path, src)
    lines = tree.read('rust/helpers/helpers.c').splitlines()
    lines = insert_sorted(lines, f'#include "{name}.c"', lambda l: l.startswith('#include "'))
    tree.write('rust/helpers/helpers.c', '\n'.join(lines) + '\n')


def add_bindings(tree, src):
    """Our rust/bindings/<name>.h into bindings_helper.h: plain includes
    sorted into its include list, conditional blocks and constants at the
    end."""
    path = 'rust/bindings/bindings_helper.h'
    lines = tree.read(path).splitlines()
    body = strip_header(src)
    depth, tail = 0, []
    for l in body:
        if l.startswith('#if'):
            depth += 1
        if depth == 0 and l.startswith('#include <') and not l.startswith('#include <../'):
            if l not in lines:
                lines = insert_sorted(lines, l, lambda x: x.startswith('#include <linux/'))
        elif l.strip() or tail:
            tail.append(l)
        if l.startswith('#endif'):
            depth -= 1
    if tail:
        text = '\n'.join(tail).strip('\n')
        if text not in '\n'.join(lines):
            lines += [''] + text.splitlines()
    tree.write(path, '\n'.join(lines) + '\n')


def add_driver_hooks(tree, proj):
    for d, sym, kconfig, before, makefile in DRIVERS:
        if d != proj:
            continue
        sub = tree_path(d + '/').rstrip('/')
        rel = os.path.relpath(sub, os.path.dirname(makefile))
        lines = tree.read(kconfig).splitlines()
        src = f'source "{sub}/Kconfig"'
        if src not in lines:
            at = max(i for i, l in enumerate(lines) if l.strip() == before)
            # Right after the last "source" before that line, if any.
            while at > 0 and not lines[at - 1].strip():
                at -= 1
            lines[at:at] = ['', src]
            tree.write(kconfig, '\n'.join(lines) + '\n')
        text = tree.read(makefile)
        obj = f'obj-$(CONFIG_{sym})'
        if obj not in text:
            pad = '\t' * max(1, (32 - len(obj) + 7) // 8)
            tree.write(makefile, text.rstrip('\n') + f'\n{obj}{pad}+= {rel}/\n')


def add_suite(tree, suite):
    if suite not in DEFAULT_TARGETS:
        return
    path = 'tools/testing/selftests/Makefile'
    lines = tree.read(path).splitlines()
    lines = insert_sorted(lines, f'TARGETS += {suite}', lambda l: l.startswith('TARGETS += '))
    tree.write(path, '\n'.join(lines) + '\n')


def add_maintainers(tree, src, author):
    """Each entry (a title line and its "X:" lines) in alphabetical order.
    The file is sorted only mostly, so an entry goes before the first title
    that sorts after it and is followed by another that does too, right
    after one that sorts before it."""
    path = 'MAINTAINERS'
    lines = tree.read(path).splitlines()
    entries = [e.replace('@AUTHOR@', author).splitlines()
               for e in src.strip('\n').split('\n\n') if not e.startswith('#')]
    for ent in entries:
        title = ent[0].upper()
        if ent[0] in lines:
            continue
        field = re.compile(r'^[A-Z]:\t')
        titles = [i for i in range(len(lines) - 1)
                  if lines[i] and not field.match(lines[i]) and field.match(lines[i + 1])
                  and (i == 0 or not lines[i - 1].strip())]
        titles = titles[next(k for k, i in enumerate(titles)
                             if lines[i].startswith('3C59X')):]
        at = None
        for k in range(1, len(titles) - 1):
            t = [lines[titles[k + d]].upper() for d in (-1, 0, 1)]
            if t[0] <= title < t[1] and t[2] > title:
                at = titles[k]
                break
        if at is None or lines[at] == 'THE REST':
            die(f'MAINTAINERS: cannot place "{ent[0]}"')
        lines[at:at] = ent + ['']
    tree.write(path, '\n'.join(lines) + '\n')


def add_ioctl_number(tree, src):
    path = 'Documentation/userspace-api/ioctl/ioctl-number.rst'
    lines = tree.read(path).splitlines()
    for new in [l for l in src.splitlines() if l.startswith('0x')]:
        if new in lines:
            continue
        code = new.split()[0]
        same = [i for i, l in enumerate(lines) if l.startswith(code + ' ')]
        if not same:
            die(f'{path}: no line for {code} to put ours after')
        lines.insert(same[-1] + 1, new)
    tree.write(path, '\n'.join(lines) + '\n')


def apply_file(tree, f):
    src = open(os.path.join(ROOT, f)).read()
    base = os.path.basename(f)
    if f == 'series/MAINTAINERS':
        add_maintainers(tree, src, AUTHOR)
    elif f == 'series/bindgen_parameters':
        text = tree.read('rust/bindgen_parameters')
        body = '\n'.join(l for l in src.splitlines() if not l.startswith('# SPDX'))
        if body.strip() not in text:
            tree.write('rust/bindgen_parameters', text.rstrip('\n') + '\n\n' + body.strip('\n') + '\n')
    elif f == 'series/ioctl-number.rst':
        add_ioctl_number(tree, src)
    elif f.startswith('rust/kernel/'):
        add_rust_module(tree, src, base[:-3])
    elif f.startswith('rust/helpers/'):
        add_helper(tree, src, base[:-2])
    elif f.startswith('rust/bindings/'):
        add_bindings(tree, src)
    elif f == 'Documentation/devicetree/bindings/vendor-prefixes.yaml.add':
        reg = 'Documentation/devicetree/bindings/vendor-prefixes.yaml'
        try:
            tree.write(reg, vendor_prefixes.merge(tree.read(reg), src, f, reg))
        except ValueError as e:
            die(str(e))
    else:
        dst = tree_path(f)
        if dst is None:
            die(f'{f}: no place in the kernel tree (MAP in {__file__})')
        # Scripts keep their executable bit (kselftest installs TEST_PROGS as
        # they are in the tree).
        tree.write(dst, src, os.access(os.path.join(ROOT, f), os.X_OK))
        if f.startswith('Documentation/') and f.endswith('.rst'):
            page = os.path.relpath(dst, 'Documentation')[:-4]
            for index, after, entry in TOCTREE:
                if os.path.join(os.path.dirname(os.path.relpath(index, 'Documentation')),
                                entry) == page:
                    lines = tree.read(index).splitlines()
                    if '   ' + entry not in lines:
                        at = lines.index('   ' + after) + 1
                        lines.insert(at, '   ' + entry)
                        tree.write(index, '\n'.join(lines) + '\n')
        if dst.startswith('include/uapi/linux/') and os.path.basename(dst) in RUST_UAPI:
            lines = tree.read('rust/uapi/uapi_helper.h').splitlines()
            lines = insert_sorted(lines, f'#include <{dst[len("include/"):]}>',
                                  lambda l: l.startswith('#include <uapi/linux/'))
            tree.write('rust/uapi/uapi_helper.h', '\n'.join(lines) + '\n')
        for d, *_ in DRIVERS:
            if f == f'{d}/Kconfig':
                add_driver_hooks(tree, d)
        m = re.match(r'selftests/([^/]+)/Makefile$', f)
        if m:
            add_suite(tree, m.group(1))


def commit(ksrc, parent, tree, msg, env):
    """A commit of parent's tree with tree.changed written; env's
    GIT_INDEX_FILE is a private index that holds parent's tree."""
    info = ''
    for path, text in sorted(tree.changed.items()):
        blob = git(ksrc, 'hash-object', '-w', '--stdin', inp=text.encode(), env=env).decode().strip()
        info += f'{tree.mode.get(path, "100644")} {blob}\t{path}\n'
    git(ksrc, 'update-index', '--index-info', inp=info.encode(), env=env)
    t = git(ksrc, 'write-tree', env=env).decode().strip()
    return git(ksrc, 'commit-tree', t, '-p', parent, inp=msg.encode(), env=env).decode().strip()


def make(ksrc, outdir):
    if not os.path.isdir(os.path.join(ksrc, '.git')):
        die(f'{ksrc} is not a git tree (scripts/debian-fetch.sh kernel makes one)')
    base = git(ksrc, 'rev-parse', '--verify', 'gv-base^{commit}').decode().strip()
    # The author and date of the project's last commit, so that the same
    # project commit gives the same patches on every machine.
    who = subprocess.run(['git', '-C', ROOT, 'log', '-1', '--format=%an%n%ae%n%aD'],
                         capture_output=True, text=True).stdout.splitlines()
    if len(who) != 3:
        who = ['Ghaf virtualization', 'ghaf-virt@localhost', '']
    name, email, date = who
    global AUTHOR
    AUTHOR = f'{name} <{email}>'
    env = {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email,
           'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    head = base
    patches = claim(parse_series(), project_files())
    with tempfile.TemporaryDirectory() as tmp:
        ienv = dict(env, GIT_INDEX_FILE=os.path.join(tmp, 'index'))
        git(ksrc, 'read-tree', base, env=ienv)
        for files, msg in patches:
            tree = Tree(ksrc, head)
            for f in files:
                apply_file(tree, f)
            head = commit(ksrc, head, tree, msg + f'\nSigned-off-by: {AUTHOR}\n', ienv)
    git(ksrc, 'update-ref', 'refs/gv/series', head)

    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if old.endswith('.patch'):
            os.unlink(os.path.join(outdir, old))
    git(ksrc, 'format-patch', '-q', '--zero-commit', '--cover-letter', '--no-signature',
        '-o', outdir, f'{base}..{head}', env=env)
    cover_path = os.path.join(outdir, '0000-cover-letter.patch')
    cover = open(cover_path).read()
    with open(os.path.join(ROOT, 'series', 'cover.txt')) as f:
        tmpl = f.read()
    ver = open(os.path.join(ksrc, '.gv-debian-version')).read().strip() \
        if os.path.exists(os.path.join(ksrc, '.gv-debian-version')) else \
        subprocess.run(['make', '-s', '-C', ksrc, 'kernelversion'],
                       capture_output=True, text=True).stdout.strip()
    subject, _, blurb = tmpl.partition('\n\n')
    blurb = blurb.replace('@BASE@', ver)
    cover = cover.replace('*** SUBJECT HERE ***', subject.strip())
    cover = cover.replace('*** BLURB HERE ***', blurb.strip('\n'))
    with open(cover_path, 'w') as f:
        f.write(cover)
    names = sorted(p for p in os.listdir(outdir)
                   if p.endswith('.patch') and p != '0000-cover-letter.patch')
    # The same series for other tools: a quilt series file, the config
    # fragment, and SRC_URI lines for a Yocto kernel .bbappend.
    with open(os.path.join(outdir, 'series'), 'w') as f:
        f.write(''.join(n + '\n' for n in names))
    with open(os.path.join(ROOT, 'configs', 'drivers.config')) as f:
        cfg = f.read()
    with open(os.path.join(outdir, 'ghaf-virt.cfg'), 'w') as f:
        f.write(cfg)
    with open(os.path.join(outdir, 'ghaf-virt-patches.inc'), 'w') as f:
        f.write('# Generated by `make patches` (scripts/series.py) against Debian\n'
                f'# linux-source {ver}. Include from a linux .bbappend, with\n'
                '# FILESEXTRAPATHS pointing at this folder.\n'
                'SRC_URI += " \\\n' +
                ''.join(f'    file://{n} \\\n' for n in names) +
                '    file://ghaf-virt.cfg \\\n"\n')
    n = len(names)
    print(f'{n} patches and a cover letter in {outdir} (base: {ver})', file=sys.stderr)


def main():
    if sys.argv[1:] == ['drivers']:
        for d, *_ in DRIVERS:
            print(tree_path(d + '/').rstrip('/'))
    elif sys.argv[1:2] == ['make'] and len(sys.argv) == 4:
        make(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
