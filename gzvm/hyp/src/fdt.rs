// SPDX-License-Identifier: GPL-2.0

//! The host's device tree: read what the hypervisor needs from QEMU's blob and write the
//! host's copy with the hypervisor's additions (the flattened format of the Devicetree
//! Specification v0.4, chapter 5).
//!
//! The copy differs from QEMU's only by two nodes appended to the root: a
//! `reserved-memory` node keeping the hypervisor's memory from the host (`no-map`), and a
//! `hypervisor` node with `compatible = "mediatek,geniezone"`, the node the upstream
//! GenieZone driver binds to (`bindings/firmware/mediatek,geniezone.yaml` since LKML v11).

const MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
const HEADER_SIZE: usize = 40;

/// What the hypervisor learnt from the device tree.
#[derive(Default, Clone, Copy)]
pub struct Facts {
    /// The first RAM range (`/memory@*` `reg`).
    pub ram: (u64, u64),
    /// The GICv3 distributor and redistributor region (`arm,gic-v3` `reg` 0 and 1).
    pub gicd: u64,
    /// Base of the redistributors.
    pub gicr: u64,
    /// Offset of the root's closing token in the structure block.
    root_end: usize,
}

fn be32(b: &[u8], off: usize) -> Result<u32, &'static str> {
    let s = b.get(off..off + 4).ok_or("device tree truncated")?;
    Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be64(b: &[u8], off: usize) -> Result<u64, &'static str> {
    Ok((u64::from(be32(b, off)?) << 32) | u64::from(be32(b, off + 4)?))
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// A validated flattened device tree.
pub struct Fdt<'a> {
    blob: &'a [u8],
    structs: (usize, usize),
    strings: (usize, usize),
    rsvmap: usize,
}

impl<'a> Fdt<'a> {
    /// Validates the header of the blob at `blob`.
    pub fn new(blob: &'a [u8]) -> Result<Self, &'static str> {
        if be32(blob, 0)? != MAGIC {
            return Err("no device tree (bad magic)");
        }
        let total = be32(blob, 4)? as usize;
        if total > blob.len() || total < HEADER_SIZE {
            return Err("device tree size out of range");
        }
        if be32(blob, 24)? > 17 || be32(blob, 24)? < 16 {
            return Err("device tree version not 16/17");
        }
        let blob = &blob[..total];
        let st = (be32(blob, 8)? as usize, be32(blob, 36)? as usize);
        let sg = (be32(blob, 12)? as usize, be32(blob, 32)? as usize);
        for (o, n) in [st, sg] {
            if o.checked_add(n).is_none_or(|e| e > total) {
                return Err("device tree block out of range");
            }
        }
        Ok(Self {
            blob,
            structs: st,
            strings: sg,
            rsvmap: be32(blob, 16)? as usize,
        })
    }

    /// Size of the blob.
    pub fn size(&self) -> usize {
        self.blob.len()
    }

    fn string(&self, off: u32) -> Result<&'a [u8], &'static str> {
        let s = self
            .blob
            .get(self.strings.0 + off as usize..self.strings.0 + self.strings.1)
            .ok_or("bad string offset")?;
        let n = s
            .iter()
            .position(|&c| c == 0)
            .ok_or("unterminated string")?;
        Ok(&s[..n])
    }

    /// Walks the structure block, calling `f(depth, node name, property name, value)` for
    /// each property; returns the offset of the root's closing token.
    fn walk(
        &self,
        mut f: impl FnMut(usize, &'a [u8], &'a [u8], &'a [u8]) -> Result<(), &'static str>,
    ) -> Result<usize, &'static str> {
        let (base, len) = self.structs;
        let b: &'a [u8] = &self.blob[base..base + len];
        let mut off = 0;
        let mut depth = 0usize;
        let mut names: [&'a [u8]; 8] = [&[]; 8];
        loop {
            let tok = be32(b, off)?;
            match tok {
                BEGIN_NODE => {
                    let rest = b.get(off + 4..).ok_or("truncated node")?;
                    let n = rest.iter().position(|&c| c == 0).ok_or("bad node name")?;
                    depth += 1;
                    if let Some(slot) = names.get_mut(depth.min(7)) {
                        *slot = &rest[..n];
                    }
                    off += 4 + align4(n + 1);
                }
                END_NODE => {
                    if depth == 1 {
                        return Ok(off);
                    }
                    depth = depth.checked_sub(1).ok_or("unbalanced nodes")?;
                    off += 4;
                }
                PROP => {
                    let plen = be32(b, off + 4)? as usize;
                    let name = self.string(be32(b, off + 8)?)?;
                    let val = b
                        .get(off + 12..off + 12 + plen)
                        .ok_or("truncated property")?;
                    f(depth, names[depth.min(7)], name, val)?;
                    off += 12 + align4(plen);
                }
                NOP => off += 4,
                END => return Err("no root node end"),
                _ => return Err("bad structure token"),
            }
        }
    }

    /// Reads the facts the hypervisor needs; fails if the tree is not the shape QEMU's
    /// `virt` machine gives (two address and size cells, one memory node, a GICv3) or
    /// already has a `reserved-memory` node.
    pub fn facts(&self) -> Result<Facts, &'static str> {
        let mut f = Facts::default();
        let mut cells_ok = 0;
        let mut gic_reg: Option<&'a [u8]> = None;
        let mut gic_node: &'a [u8] = &[];
        let mut reserved = false;
        let mut is_gic = false;
        f.root_end = self.walk(|depth, node, prop, val| {
            if depth == 1 && (prop == b"#address-cells" || prop == b"#size-cells") {
                if val != [0, 0, 0, 2] {
                    return Err("root cells are not 2/2");
                }
                cells_ok += 1;
            }
            if depth == 2 && node.starts_with(b"reserved-memory") {
                reserved = true;
            }
            if depth == 2 && node.starts_with(b"memory@") && prop == b"reg" && f.ram.1 == 0 {
                f.ram = (be64(val, 0)?, be64(val, 8)?);
            }
            if depth == 2 && prop == b"compatible" && val.starts_with(b"arm,gic-v3\0") {
                is_gic = true;
                gic_node = node;
            }
            if depth == 2 && prop == b"reg" && node.starts_with(b"intc@") {
                gic_reg = Some(val);
                gic_node = node;
            }
            Ok(())
        })?;
        if cells_ok != 2 {
            return Err("root has no #address-cells/#size-cells");
        }
        if reserved {
            return Err("device tree already has a reserved-memory node");
        }
        if f.ram.1 == 0 {
            return Err("no memory node");
        }
        match gic_reg {
            Some(r) if is_gic && !gic_node.is_empty() => {
                f.gicd = be64(r, 0)?;
                f.gicr = be64(r, 16)?;
            }
            _ => return Err("no GICv3 (QEMU needs gic-version=3)"),
        }
        Ok(f)
    }
}

/// Appends tokens and strings for new nodes.
struct Writer<'b> {
    out: &'b mut [u8],
    off: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, b: &[u8]) -> Result<(), &'static str> {
        let end = self.off + b.len();
        self.out
            .get_mut(self.off..end)
            .ok_or("device tree output too small")?
            .copy_from_slice(b);
        self.off = end;
        Ok(())
    }
    fn u32(&mut self, v: u32) -> Result<(), &'static str> {
        self.bytes(&v.to_be_bytes())
    }
    fn pad(&mut self) -> Result<(), &'static str> {
        while self.off % 4 != 0 {
            self.bytes(&[0])?;
        }
        Ok(())
    }
    fn begin(&mut self, name: &[u8]) -> Result<(), &'static str> {
        self.u32(BEGIN_NODE)?;
        self.bytes(name)?;
        self.bytes(&[0])?;
        self.pad()
    }
    fn prop(&mut self, name: u32, val: &[u8]) -> Result<(), &'static str> {
        self.u32(PROP)?;
        self.u32(val.len() as u32)?;
        self.u32(name)?;
        self.bytes(val)?;
        self.pad()
    }
}

/// Names of the properties the new nodes use, in the strings appended to the blob.
const NEW_STRINGS: &[u8] = b"#address-cells\0#size-cells\0ranges\0reg\0no-map\0compatible\0";

fn new_string(base: usize, name: &[u8]) -> u32 {
    let mut off = 0;
    for s in NEW_STRINGS.split(|&c| c == 0) {
        if s == name {
            break;
        }
        off += s.len() + 1;
    }
    (base + off) as u32
}

fn reg(addr: u64, size: u64) -> [u8; 16] {
    let mut r = [0u8; 16];
    r[..8].copy_from_slice(&addr.to_be_bytes());
    r[8..].copy_from_slice(&size.to_be_bytes());
    r
}

/// Writes the host's copy of `fdt` to `out`, with the hypervisor's memory `hyp` reserved
/// and the GenieZone node added; returns its size.
pub fn write_host_copy(
    fdt: &Fdt<'_>,
    facts: &Facts,
    hyp: (u64, u64),
    out: &mut [u8],
) -> Result<usize, &'static str> {
    let blob = fdt.blob;
    let mut w = Writer { out, off: 0 };
    w.bytes(&[0; HEADER_SIZE])?;
    // Reservation map, copied (entries up to the terminating zero pair).
    let rsv_off = w.off;
    let mut r = fdt.rsvmap;
    loop {
        let (a, s) = (be64(blob, r)?, be64(blob, r + 8)?);
        w.bytes(&blob[r..r + 16])?;
        r += 16;
        if a == 0 && s == 0 {
            break;
        }
    }
    // Structure block: up to the root's end, the new nodes, then the rest.
    let st_off = w.off;
    let (sb, sl) = fdt.structs;
    let sg = fdt.strings.1;
    w.bytes(&blob[sb..sb + facts.root_end])?;
    let name = |n| new_string(sg, n);
    w.begin(b"reserved-memory")?;
    w.prop(name(b"#address-cells"), &2u32.to_be_bytes())?;
    w.prop(name(b"#size-cells"), &2u32.to_be_bytes())?;
    w.prop(name(b"ranges"), &[])?;
    let mut node = [0u8; 32];
    let n = node_name(&mut node, b"gzhyp@", hyp.0);
    w.begin(&node[..n])?;
    w.prop(name(b"reg"), &reg(hyp.0, hyp.1))?;
    w.prop(name(b"no-map"), &[])?;
    w.u32(END_NODE)?;
    w.u32(END_NODE)?;
    w.begin(b"hypervisor")?;
    w.prop(name(b"compatible"), b"mediatek,geniezone\0")?;
    w.u32(END_NODE)?;
    w.bytes(&blob[sb + facts.root_end..sb + sl])?;
    let st_len = w.off - st_off;
    // Strings: the old ones, then the new names.
    let sg_off = w.off;
    w.bytes(&blob[fdt.strings.0..fdt.strings.0 + sg])?;
    w.bytes(NEW_STRINGS)?;
    let sg_len = w.off - sg_off;
    let total = w.off;
    let hdr: [u32; 10] = [
        MAGIC,
        total as u32,
        st_off as u32,
        sg_off as u32,
        rsv_off as u32,
        17,
        16,
        be32(blob, 28)?,
        sg_len as u32,
        st_len as u32,
    ];
    for (i, v) in hdr.iter().enumerate() {
        w.out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    Ok(total)
}

/// `prefix` followed by `v` in lower-case hex; returns the length.
fn node_name(out: &mut [u8; 32], prefix: &[u8], v: u64) -> usize {
    out[..prefix.len()].copy_from_slice(prefix);
    let mut n = prefix.len();
    let digits = if v == 0 {
        1
    } else {
        (67 - v.leading_zeros() as usize) / 4
    };
    for i in (0..digits).rev() {
        out[n] = b"0123456789abcdef"[((v >> (4 * i)) & 0xf) as usize];
        n += 1;
    }
    n
}
