# SPDX-License-Identifier: GPL-2.0
#
# Ghaf virtualization host drivers: user entry point (`make help`).
#
# KDIR=/path/to/linux uses your kernel source tree instead of Debian's
# linux-source (it must be a git tree with a tag gv-base: the patch series
# is applied on top with git am); see the README.
# As an M= external module directory the kernel reads Kbuild, not this file.

SCRIPTS	:= $(CURDIR)/scripts
OUT	?= $(CURDIR)/out
export GV_OUT := $(OUT)
export KDIR

all: build

help:
	@echo 'Targets:'
	@echo '  make                 set up the toolchain (Debian packages, rustup, bindgen),'
	@echo '                       build the arm64 test kernel with the drivers in-tree,'
	@echo '                       the modules, the selftests and the DT overlays'
	@echo '  make check           all of the above, the host checks, then the whole test'
	@echo '                       suite in QEMU, the test kernel at EL1 under gzhyp'
	@echo '    T=<glob>[,<glob>]  only the kselftest suites matching, e.g. T=gzvm/run'
	@echo '                       or T="gzvm/*" (no host checks, no canary boot)'
	@echo '    FAILED=1           only the suites that failed in the last make check'
	@echo '  make qemu            boot the test kernel under gzhyp with the modules'
	@echo '                       loaded, to a shell on the serial console'
	@echo '    RUN=<script>       instead of a shell, run <script> in /data, power off'
	@echo '                       and exit with its status (console: out/console-run.log)'
	@echo '    FILES=<dir>        copied to /data first (your VMM, guest images, ...)'
	@echo '  make patches         the drivers as a git format-patch series against the'
	@echo '                       pinned Debian kernel (or KDIR, a git tree tagged gv-base)'
	@echo '                       in out/patches, with ghaf-virt.cfg and a Yocto .inc'
	@echo '  make bench           gzvm (host at EL1 under gzhyp) side by side with KVM'
	@echo '                       (same kernel at EL2): two boots, one table, out/bench.json'
	@echo '  make modules KDIR=<prepared tree>   the modules out of tree'
	@echo '  make clean           remove out/ (the kernel builds stay in the cache)'
	@echo 'Variables: KDIR=<kernel source> uses your tree instead of Debian'"'"'s;'
	@echo '  CROSVM=<static aarch64 crosvm> for the end-to-end test; OUT=<dir>.'
	@echo 'Logs: out/console-test.log, out/console-canary.log, out/*.tap, and the'
	@echo '  kernel build log in the cache (its path is printed by the build).'

setup:
	$(SCRIPTS)/setup.sh

build: setup
	@mkdir -p $(OUT) && B=$$($(SCRIPTS)/kernel-build.sh) && echo "$$B" >$(OUT)/.build-dir && \
	$(SCRIPTS)/build-selftests.sh "$$(cat $$B/.gv-ksrc)" "$$B" $(OUT) && \
	$(SCRIPTS)/build-overlays.sh $(OUT)/dtb "$$(cat $$B/.gv-ksrc)" && \
	echo "kernel: $$B/arch/arm64/boot/Image" && \
	echo "modules: $$(grep -E "^($$(python3 $(SCRIPTS)/series.py drivers | paste -sd'|'))/" $$B/modules.order | sed "s|^|$$B/|; s|\.o$$|.ko|" | tr '\n' ' ')" && \
	echo "selftests: $(OUT)/selftests  overlays: $(OUT)/dtb"

check:
	GV_T='$(T)' GV_FAILED='$(FAILED)' $(SCRIPTS)/check.sh

bench:
	$(SCRIPTS)/bench.sh

# Writes the series without touching the kernel tree's files (the build
# applies it: scripts/apply-series.sh).
patches:
	@KSRC=$$(if [ -n '$(KDIR)' ]; then cd '$(KDIR)' && pwd; else $(SCRIPTS)/debian-fetch.sh kernel; fi) && \
	python3 $(SCRIPTS)/series.py make "$$KSRC" $(OUT)/patches && \
	echo "series: $(OUT)/patches (cover letter: 0000-cover-letter.patch)"

# The build directory `make build` just used, so the kernel is built once.
qemu: build
	@B=$$(cat $(OUT)/.build-dir) && \
	if [ -n '$(RUN)' ]; then \
		GV_RUN='$(abspath $(RUN))' GV_FILES='$(if $(FILES),$(abspath $(FILES)))' \
			$(SCRIPTS)/run-qemu.sh run "$$B" $(OUT); \
	else \
		$(SCRIPTS)/run-qemu.sh shell "$$B" $(OUT); \
	fi

# Out-of-tree modules against a prepared kernel tree (make modules_prepare).
modules:
	$(if $(KDIR),,$(error set KDIR to a prepared kernel build tree))
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_GZVM=m CONFIG_BPMP_VIRT=m \
		CONFIG_VFIO_PLATFORM_EXT=m modules

clean:
	rm -rf $(OUT)

.PHONY: all help setup build check bench patches qemu modules clean
