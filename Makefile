# SPDX-License-Identifier: GPL-2.0
#
# Ghaf virtualization host drivers: user entry point.
#
#   make            set up the toolchain, build the arm64 test kernel with the
#                   drivers in-tree, the modules, the selftests and overlays
#   make check      everything above, then the whole test suite in QEMU
#   make qemu       boot the test kernel with the modules loaded, to a shell
#   make bench      gzvm (under gzhyp) side by side with KVM (host at EL2):
#                   two boots, one table, JSON in out/bench.json
#
# KDIR=/path/to/linux uses your kernel source tree instead of Debian's
# linux-source (the project is integrated into it); see the README.
# As an M= external module directory the kernel reads Kbuild, not this file.

SCRIPTS	:= $(CURDIR)/scripts
OUT	?= $(CURDIR)/out
export GV_OUT := $(OUT)
export KDIR

all: build

setup:
	$(SCRIPTS)/setup.sh

build: setup
	@B=$$($(SCRIPTS)/kernel-build.sh) && \
	$(SCRIPTS)/build-selftests.sh "$$(cat $$B/.gv-ksrc)" "$$B" $(OUT) && \
	$(SCRIPTS)/build-overlays.sh $(OUT)/dtb "$$(cat $$B/.gv-ksrc)" && \
	echo "kernel: $$B/arch/arm64/boot/Image" && \
	echo "modules: $$(grep ^drivers/ghaf_virt/ $$B/modules.order | sed "s|^|$$B/|; s|\.o$$|.ko|" | tr '\n' ' ')" && \
	echo "selftests: $(OUT)/selftests  overlays: $(OUT)/dtb"

check:
	$(SCRIPTS)/check.sh

bench:
	$(SCRIPTS)/bench.sh

qemu: build
	@B=$$($(SCRIPTS)/kernel-build.sh) && $(SCRIPTS)/run-qemu.sh shell "$$B" $(OUT)

# Out-of-tree modules against a prepared kernel tree (make modules_prepare).
modules:
	$(if $(KDIR),,$(error set KDIR to a prepared kernel build tree))
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_GZVM=m CONFIG_BPMP_VIRT=m \
		CONFIG_VFIO_PLATFORM_EXT=m modules

clean:
	rm -rf $(OUT)

.PHONY: all setup build check bench qemu modules clean
