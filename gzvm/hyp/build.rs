// SPDX-License-Identifier: GPL-2.0
//! Links the hypervisor with its own linker script.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed={dir}/link.ld");
}
