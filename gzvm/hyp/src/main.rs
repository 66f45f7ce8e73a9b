// SPDX-License-Identifier: GPL-2.0

//! gzhyp: a hypervisor speaking MediaTek GenieZone's SMCCC ABI, for QEMU's arm64 `virt`
//! machine with `virtualization=on`.
//!
//! It exists so the gzvm driver's real `hvc` path can be tested without MediaTek
//! hardware: QEMU boots gzhyp at EL2; gzhyp reserves its memory, adds the
//! `mediatek,geniezone` node to the device tree and starts the host kernel at EL1, whose
//! gzvm driver then binds to the real conduit. The host's PSCI calls are relayed to QEMU
//! ([`psci`]); the host's `hvc` calls are the GenieZone ABI ([`gz`]), which runs guests
//! with stage-2 translation and a full EL1 context switch.
//!
//! It is a separate program, not part of the driver module: it runs at a different
//! exception level, without the kernel, and is only a test fixture (see `README.md`).

#![no_std]
#![no_main]

mod arch;
mod boot;
mod el2;
mod fdt;
mod gz;
mod layout;
mod log;
mod mmu;
mod pages;
mod psci;
mod sync;
mod trap;

use layout::{HOST_DTB, HOST_DTB_MAX, HOST_KERNEL, HYP_BASE, HYP_SIZE};

/// The arm64 Image magic ("ARM\x64" at offset 56, booting.rst).
const IMAGE_MAGIC: u32 = 0x644d_5241;

extern "C" {
    static __image_end: u8;
}

/// Reads `n` bytes of physical memory (identity-mapped at EL2).
///
/// # Safety
///
/// `pa..pa + n` must be RAM nothing else writes during the returned borrow.
unsafe fn phys<'a>(pa: u64, n: usize) -> &'a [u8] {
    // SAFETY: The caller guarantees the range is RAM; EL2 maps all RAM.
    unsafe { core::slice::from_raw_parts(pa as *const u8, n) }
}

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn le64(b: &[u8], off: usize) -> u64 {
    u64::from(le32(b, off)) | (u64::from(le32(b, off + 4)) << 32)
}

/// The primary CPU, from `_start`, with QEMU's device tree at `dtb`.
#[no_mangle]
extern "C" fn gzhyp_primary_main(dtb: u64) -> ! {
    mmu::build();
    mmu::enable();
    boot::arm_canary();
    el2::init_cpu();
    if let Some(f) = el2::unsupported_features() {
        fatal!("the CPU has {}: not supported", f);
    }
    // SAFETY: QEMU placed a device tree at `dtb` in RAM; its header gives its size, at
    // most booting.rst's 2 MiB.
    let blob = unsafe { phys(dtb, HOST_DTB_MAX) };
    let fdt = match fdt::Fdt::new(blob) {
        Ok(f) => f,
        Err(e) => fatal!("device tree at {:#x}: {}", dtb, e),
    };
    let facts = match fdt.facts() {
        Ok(f) => f,
        Err(e) => fatal!("device tree: {}", e),
    };
    let (ram, ram_size) = facts.ram;
    if HYP_BASE < ram || HOST_KERNEL + (64 << 20) > ram + ram_size {
        fatal!("RAM {:#x}+{:#x} too small for the layout", ram, ram_size);
    }
    // SAFETY: The kernel Image header is 64 bytes of RAM inside the checked range.
    let hdr = unsafe { phys(HOST_KERNEL, 64) };
    if le32(hdr, 56) != IMAGE_MAGIC {
        fatal!(
            "no arm64 Image at {:#x} (load the host kernel there: -device loader,file=Image,addr={:#x},force-raw=on)",
            HOST_KERNEL,
            HOST_KERNEL
        );
    }
    let (text_offset, image_size) = (le64(hdr, 8), le64(hdr, 16));
    if text_offset != 0 || HOST_KERNEL + image_size > ram + ram_size {
        fatal!(
            "host kernel Image: text_offset {:#x}, size {:#x} do not fit",
            text_offset,
            image_size
        );
    }
    // SAFETY: HOST_DTB..+2 MiB is RAM outside the hypervisor, the kernel and QEMU's blob
    // (checked above and by the layout), written only here, before the host runs.
    let out = unsafe { core::slice::from_raw_parts_mut(HOST_DTB as *mut u8, HOST_DTB_MAX) };
    let size = match fdt::write_host_copy(&fdt, &facts, (HYP_BASE, HYP_SIZE), out) {
        Ok(n) => n,
        Err(e) => fatal!("writing the host device tree: {}", e),
    };
    let heap = (core::ptr::addr_of!(__image_end) as u64 + 0xfff) & !0xfff;
    pages::init(heap, HYP_BASE + HYP_SIZE);
    gz::init(facts);
    info!(
        "EL2 ready: RAM {:#x}+{:#x}, GICD {:#x} GICR {:#x}, {} KiB pool, VM state {} bytes; host kernel at {:#x}, device tree {:#x} ({} -> {} bytes)",
        ram,
        ram_size,
        facts.gicd,
        facts.gicr,
        pages::free_pages() * 4,
        gz::VM_SIZE,
        HOST_KERNEL,
        HOST_DTB,
        fdt.size(),
        size
    );
    boot::enter_el1(HOST_KERNEL, HOST_DTB);
}

/// A CPU started by the relayed `CPU_ON`, with its index.
#[no_mangle]
extern "C" fn gzhyp_secondary_main(idx: u64) -> ! {
    mmu::enable();
    boot::arm_canary();
    el2::init_cpu();
    match psci::host_entry(idx as usize) {
        Some((entry, ctx)) => boot::enter_el1(entry, ctx),
        None => fatal!("CPU {} started without a host entry point", idx),
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    fatal!("panic on CPU {}: {}", arch::cpu_index(), info);
}
