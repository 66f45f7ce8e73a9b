// SPDX-License-Identifier: GPL-2.0

//! A software model of the BPMP firmware, for tests in QEMU.
//!
//! It holds the Tegra234 clock tree of the passthroughs Ghaf runs (UARTA,
//! UARTI, MGBE0, the two MTTCANs, with their parents up to the shared
//! roots, and 40 FUSE, enabled by the host; see [`CLOCKS`]), reset lines and
//! power domains, and answers `MRQ_PING`, `MRQ_THREADED_PING`,
//! `MRQ_QUERY_ABI` (which, as on the real firmware, also reports
//! `MRQ_DEBUG` as supported), `MRQ_QUERY_FW_TAG`, `MRQ_CLK`, `MRQ_RESET`
//! and `MRQ_PG` with the real message layouts and BPMP error codes. Like
//! `tegra_bpmp_transfer()`, it refuses requests or answer buffers larger
//! than one message channel ([`MSG_DATA_MAX`]) with `EINVAL`; unknown MRQs
//! are answered with `-BPMP_ENODEV`.

use kernel::{
    fmt,
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex}, //
};

use crate::abi::{self, clk, err, le_i64, le_u32, pg, reset};

pub(crate) use kernel::tegra_bpmp::MSG_DATA_MAX;

/// The firmware tag `MRQ_QUERY_FW_TAG` returns.
const FW_TAG: &[u8] = b"ghaf-bpmp-model";

/// One clock of the model.
struct Clock {
    id: u32,
    name: &'static str,
    /// Possible parents; empty for a root clock.
    parents: &'static [u32],
    parent: u32,
    /// Fixed rate of a root clock; otherwise parent rate / `div`.
    root_rate: i64,
    div: i64,
    enable_count: u32,
}

/// One reset line, with how often it was put into reset, released and
/// pulsed (a pulse counts as one of each too), so tests can see a reset
/// that left the line where it was.
struct ResetLine {
    id: u32,
    asserted: bool,
    asserts: u64,
    deasserts: u64,
    pulses: u64,
}

impl ResetLine {
    fn new(id: u32) -> Self {
        Self {
            id,
            asserted: true,
            asserts: 0,
            deasserts: 0,
            pulses: 0,
        }
    }

    fn set(&mut self, asserted: bool) {
        self.asserted = asserted;
        if asserted {
            self.asserts = self.asserts.wrapping_add(1);
        } else {
            self.deasserts = self.deasserts.wrapping_add(1);
        }
    }

    fn pulse(&mut self) {
        self.set(true);
        self.set(false);
        self.pulses = self.pulses.wrapping_add(1);
    }
}

/// One power domain.
struct PowerDomain {
    id: u32,
    name: &'static str,
    on: bool,
}

/// The model's mutable state.
struct State {
    clocks: KVec<Clock>,
    resets: KVec<ResetLine>,
    pds: KVec<PowerDomain>,
    /// Requests answered.
    requests: u64,
}

/// The firmware model.
#[pin_data]
pub(crate) struct Model {
    #[pin]
    state: Mutex<State>,
}

/// One row of the model's clock table: id (`TEGRA234_CLK_*` of
/// `include/dt-bindings/clock/tegra234-clock.h`), name, possible parents
/// (the first is the current one; none for a root), rate of a root, divider
/// from the parent, and the enables the host holds before any guest runs.
type ClockRow = (u32, &'static str, &'static [u32], i64, i64, u32);

/// The Tegra234 clocks of the passthroughs Ghaf runs, with the parent chains
/// Ghaf's allow-lists were built from. Ids and names are mainline's;
/// parents follow the comments of Ghaf's
/// `passthrough/mgbe0-net-vm/default.nix` (`mgbe0_app` -> `utmipll_clkout480`
/// -> `utmip_pll` -> `osc`; `ptp-ref` -> `pllrefe_vcoout_gated` ->
/// `pllrefe_vcoout`; `tx` below `pllgbe` through `uphy_gbe_pll2_tx_ref`) and
/// of jetpack-nixos `pkgs/orin-virtualization-support/manifest.nix` (the
/// MTTCAN clocks and their shared `pllaon`). Rates are illustrative; the
/// firmware's real tree has more levels that no guest of these
/// passthroughs registers.
const CLOCKS: &[ClockRow] = &[
    // Shared roots, running for the host (Ghaf's protected_clk_roots).
    (91, "osc", &[], 38_400_000, 1, 1),
    (14, "clk_m", &[91], 0, 2, 1),
    (102, "pllp_out0", &[], 408_000_000, 1, 1),
    (103, "utmip_pll", &[91], 0, 1, 1),
    (292, "utmipll_clkout480", &[103], 0, 1, 1),
    (288, "pllrefe_vcoout", &[91], 0, 1, 1),
    (327, "pllrefe_vcoout_gated", &[288], 0, 1, 0),
    (94, "pllaon", &[91], 0, 1, 0),
    // Host-owned device clock.
    (40, "fuse", &[14], 0, 1, 1),
    // UARTs, I2C, SPI.
    (48, "i2c1", &[102, 14], 0, 1, 0),
    (135, "spi1", &[102, 14], 0, 1, 0),
    (155, "uarta", &[102, 14], 0, 1, 0),
    (156, "uartb", &[102, 14], 0, 1, 0),
    (157, "uartc", &[102, 14], 0, 1, 0),
    (188, "uarti", &[102, 14], 0, 1, 0),
    // Gigabit-ethernet PLLs (dedicated to the MGBEs).
    (319, "pllgbe", &[91], 0, 1, 0),
    (320, "pllgbe_hps", &[319], 0, 1, 0),
    (366, "mgbes_app", &[320], 0, 1, 0),
    (367, "uphy_gbe_pll2_tx_ref", &[319], 0, 1, 0),
    (368, "uphy_gbe_pll2_xdig", &[319], 0, 1, 0),
    // MGBE0 (ethernet@6800000 in tegra234.dtsi).
    (248, "mgbe0_rx_input", &[], 156_250_000, 1, 0),
    (357, "mgbe0_rx_input_m", &[248], 0, 1, 0),
    (369, "mgbe0_rx_pcs_input", &[], 156_250_000, 1, 0),
    (361, "mgbe0_rx_pcs_m", &[369], 0, 1, 0),
    (373, "mgbe0_rx_pcs", &[361], 0, 1, 0),
    (374, "mgbe0_tx", &[367], 0, 1, 0),
    (375, "mgbe0_tx_pcs", &[367], 0, 1, 0),
    (376, "mgbe0_mac_divider", &[368], 0, 1, 0),
    (377, "mgbe0_mac", &[376], 0, 1, 0),
    (378, "mgbe0_macsec", &[366], 0, 1, 0),
    (379, "mgbe0_eee_pcs", &[366], 0, 1, 0),
    (380, "mgbe0_app", &[292], 0, 1, 0),
    (381, "mgbe0_ptp_ref", &[327], 0, 1, 0),
    // MTTCAN controllers (NVIDIA's mttcan@c310000 and mttcan@c320000).
    (9, "can1", &[94, 91], 0, 1, 0),
    (10, "can1_host", &[9], 0, 1, 0),
    (284, "can1_core", &[9], 0, 1, 0),
    (11, "can2", &[94, 91], 0, 1, 0),
    (12, "can2_host", &[11], 0, 1, 0),
    (285, "can2_core", &[11], 0, 1, 0),
];

/// Reset lines: `TEGRA234_RESET_*` of UARTA (100), UARTI (99), CAN1/CAN2
/// (4, 5), MGBE0 PCS/MAC/MACSEC (45, 46, 47), and others.
const RESETS: &[u32] = &[4, 5, 24, 45, 46, 47, 91, 99, 100, 101, 102];

/// Power domains: `TEGRA234_POWER_DOMAIN_*` (17 MGBEA, 18 MGBEB: Ghaf's
/// MGBE0 domain is 18).
const POWER_DOMAINS: &[(u32, &str)] = &[
    (1, "ofa"),
    (2, "aud"),
    (3, "disp"),
    (10, "xusba"),
    (17, "mgbea"),
    (18, "mgbeb"),
];

impl State {
    fn new() -> Result<Self> {
        let mut clocks = KVec::with_capacity(CLOCKS.len(), GFP_KERNEL)?;
        for &(id, name, parents, root_rate, div, host) in CLOCKS {
            clocks.push(
                Clock {
                    id,
                    name,
                    parents,
                    parent: parents.first().copied().unwrap_or(id),
                    root_rate,
                    div,
                    enable_count: host,
                },
                GFP_KERNEL,
            )?;
        }
        let mut resets = KVec::new();
        for &id in RESETS {
            resets.push(ResetLine::new(id), GFP_KERNEL)?;
        }
        let mut pds = KVec::new();
        for &(id, name) in POWER_DOMAINS {
            pds.push(
                PowerDomain {
                    id,
                    name,
                    on: false,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            clocks,
            resets,
            pds,
            requests: 0,
        })
    }

    fn clk_index(&self, id: u32) -> Option<usize> {
        self.clocks.iter().position(|c| c.id == id)
    }

    fn rate(&self, idx: usize) -> i64 {
        // Bound the walk: the tree is a few levels deep.
        let mut idx = idx;
        let mut div: i64 = 1;
        for _ in 0..8 {
            let c = &self.clocks[idx];
            if c.parents.is_empty() {
                return c.root_rate / div;
            }
            div = div.saturating_mul(c.div);
            match self.clk_index(c.parent) {
                Some(p) => idx = p,
                None => return 0,
            }
        }
        0
    }

    /// The divider (1..=256) giving the highest rate not above `rate`.
    fn divider_for(parent_rate: i64, rate: i64) -> i64 {
        if rate <= 0 {
            return 256;
        }
        let div = parent_rate.saturating_add(rate - 1) / rate;
        div.clamp(1, 256)
    }

    fn parent_rate(&self, idx: usize) -> i64 {
        self.clk_index(self.clocks[idx].parent)
            .map(|p| self.rate(p))
            .unwrap_or(0)
    }

    /// `MRQ_CLK`; returns the BPMP return code and the answer length.
    fn clk(&mut self, tx: &[u8], out: &mut [u8]) -> (i32, usize) {
        let Some(word) = le_u32(tx, 0) else {
            return (-err::EINVAL, 0);
        };
        let (cmd, id) = crate::policy::clk_cmd_and_id(word);
        if cmd == clk::GET_MAX_CLK_ID {
            let max = self.clocks.iter().map(|c| c.id).max().unwrap_or(0);
            out[..4].copy_from_slice(&max.to_le_bytes());
            return (0, 4);
        }
        let Some(idx) = self.clk_index(id) else {
            return (-err::EINVAL, 0);
        };
        match cmd {
            clk::GET_RATE => {
                out[..8].copy_from_slice(&self.rate(idx).to_le_bytes());
                (0, 8)
            }
            clk::SET_RATE | clk::ROUND_RATE => {
                let Some(rate) = le_i64(tx, 8) else {
                    return (-err::EINVAL, 0);
                };
                if self.clocks[idx].parents.is_empty() || rate <= 0 {
                    return (-err::EINVAL, 0);
                }
                let prate = self.parent_rate(idx);
                let div = Self::divider_for(prate, rate);
                if cmd == clk::SET_RATE {
                    self.clocks[idx].div = div;
                }
                out[..8].copy_from_slice(&(prate / div).to_le_bytes());
                (0, 8)
            }
            clk::GET_PARENT => {
                out[..4].copy_from_slice(&self.clocks[idx].parent.to_le_bytes());
                (0, 4)
            }
            clk::SET_PARENT => {
                let Some(parent) = le_u32(tx, 4) else {
                    return (-err::EINVAL, 0);
                };
                if !self.clocks[idx].parents.contains(&parent) {
                    return (-err::EINVAL, 0);
                }
                self.clocks[idx].parent = parent;
                out[..4].copy_from_slice(&parent.to_le_bytes());
                (0, 4)
            }
            clk::IS_ENABLED => {
                let on = i32::from(self.clocks[idx].enable_count > 0);
                out[..4].copy_from_slice(&on.to_le_bytes());
                (0, 4)
            }
            clk::ENABLE => match self.clocks[idx].enable_count.checked_add(1) {
                Some(n) => {
                    self.clocks[idx].enable_count = n;
                    (0, 0)
                }
                None => (-err::EINVAL, 0),
            },
            clk::DISABLE => match self.clocks[idx].enable_count.checked_sub(1) {
                Some(n) => {
                    self.clocks[idx].enable_count = n;
                    (0, 0)
                }
                None => (-err::EINVAL, 0),
            },
            clk::GET_ALL_INFO => {
                let c = &self.clocks[idx];
                let mut flags = 0;
                if c.parents.is_empty() {
                    flags |= clk::IS_ROOT;
                } else {
                    flags |= clk::HAS_SET_RATE;
                }
                if c.parents.len() > 1 {
                    flags |= clk::HAS_MUX;
                }
                let info = &mut out[..clk::ALL_INFO_SIZE];
                info.fill(0);
                info[0..4].copy_from_slice(&flags.to_le_bytes());
                info[4..8].copy_from_slice(&c.parent.to_le_bytes());
                for (i, p) in c.parents.iter().take(clk::MAX_PARENTS).enumerate() {
                    info[8 + 4 * i..12 + 4 * i].copy_from_slice(&p.to_le_bytes());
                }
                let np_off = 8 + 4 * clk::MAX_PARENTS;
                info[np_off] = c.parents.len() as u8;
                let name = c.name.as_bytes();
                let n = name.len().min(clk::NAME_MAXLEN - 1);
                info[np_off + 1..np_off + 1 + n].copy_from_slice(&name[..n]);
                (0, clk::ALL_INFO_SIZE)
            }
            _ => (-err::EBADCMD, 0),
        }
    }

    /// `MRQ_RESET`.
    fn reset(&mut self, tx: &[u8], out: &mut [u8]) -> (i32, usize) {
        let (Some(cmd), Some(id)) = (le_u32(tx, 0), le_u32(tx, 4)) else {
            return (-err::EINVAL, 0);
        };
        if cmd == reset::GET_MAX_ID {
            let max = self.resets.iter().map(|r| r.id).max().unwrap_or(0);
            out[..4].copy_from_slice(&max.to_le_bytes());
            return (0, 4);
        }
        let Some(line) = self.resets.iter_mut().find(|r| r.id == id) else {
            return (-err::EINVAL, 0);
        };
        match cmd {
            reset::ASSERT => line.set(true),
            reset::DEASSERT => line.set(false),
            reset::MODULE => line.pulse(),
            _ => return (-err::EBADCMD, 0),
        }
        (0, 0)
    }

    /// `MRQ_PG`.
    fn pg(&mut self, tx: &[u8], out: &mut [u8]) -> (i32, usize) {
        let (Some(cmd), Some(id)) = (le_u32(tx, 0), le_u32(tx, 4)) else {
            return (-err::EINVAL, 0);
        };
        match cmd {
            pg::QUERY_ABI => {
                // `type` (the sub-command asked about) follows the id.
                return match le_u32(tx, 8) {
                    Some(pg::QUERY_ABI..=pg::GET_MAX_ID) => (0, 0),
                    Some(_) => (-err::ENODEV, 0),
                    None => (-err::EINVAL, 0),
                };
            }
            pg::GET_MAX_ID => {
                let max = self.pds.iter().map(|p| p.id).max().unwrap_or(0);
                out[..4].copy_from_slice(&max.to_le_bytes());
                return (0, 4);
            }
            _ => {}
        }
        let Some(pd) = self.pds.iter_mut().find(|p| p.id == id) else {
            return (-err::EINVAL, 0);
        };
        match cmd {
            pg::SET_STATE => match le_u32(tx, 8) {
                Some(pg::STATE_OFF) => pd.on = false,
                Some(pg::STATE_ON | pg::STATE_RUNNING) => pd.on = true,
                _ => return (-err::EINVAL, 0),
            },
            pg::GET_STATE => {
                let s = if pd.on { pg::STATE_ON } else { pg::STATE_OFF };
                out[..4].copy_from_slice(&s.to_le_bytes());
                return (0, 4);
            }
            pg::GET_NAME => {
                let name = &mut out[..pg::NAME_MAXLEN];
                name.fill(0);
                let n = pd.name.len().min(pg::NAME_MAXLEN - 1);
                name[..n].copy_from_slice(&pd.name.as_bytes()[..n]);
                return (0, pg::NAME_MAXLEN);
            }
            _ => return (-err::EBADCMD, 0),
        }
        (0, 0)
    }

    fn handle(&mut self, mrq: u32, tx: &[u8], out: &mut [u8; MSG_DATA_MAX]) -> (i32, usize) {
        self.requests = self.requests.wrapping_add(1);
        match mrq {
            abi::MRQ_PING | abi::MRQ_THREADED_PING => match le_u32(tx, 0) {
                Some(challenge) => {
                    out[..4].copy_from_slice(&(challenge << 1).to_le_bytes());
                    (0, 4)
                }
                None => (-err::EINVAL, 0),
            },
            abi::MRQ_QUERY_ABI => match le_u32(tx, 0) {
                Some(q) => {
                    let supported = matches!(
                        q,
                        abi::MRQ_PING
                            | abi::MRQ_THREADED_PING
                            | abi::MRQ_QUERY_ABI
                            | abi::MRQ_QUERY_FW_TAG
                            | abi::MRQ_CLK
                            | abi::MRQ_RESET
                            | abi::MRQ_PG
                            // The real firmware serves MRQ_DEBUG (its
                            // debugfs); the model says so too and leaves it
                            // to the proxy never to forward it.
                            | abi::MRQ_DEBUG
                    );
                    let status: i32 = if supported { 0 } else { -err::ENODEV };
                    out[..4].copy_from_slice(&status.to_le_bytes());
                    (0, 4)
                }
                None => (-err::EINVAL, 0),
            },
            abi::MRQ_QUERY_FW_TAG => {
                out[..32].fill(0);
                out[..FW_TAG.len()].copy_from_slice(FW_TAG);
                (0, 32)
            }
            abi::MRQ_CLK => self.clk(tx, out),
            abi::MRQ_RESET => self.reset(tx, out),
            abi::MRQ_PG => self.pg(tx, out),
            _ => (-err::ENODEV, 0),
        }
    }
}

impl Model {
    /// A model in its power-on state.
    pub(crate) fn new() -> Result<Arc<Self>> {
        let state = State::new()?;
        Arc::pin_init(
            pin_init!(Self {
                state <- new_mutex!(state, "bpmp_model_state"),
            }),
            GFP_KERNEL,
        )
    }

    /// One firmware message: `tx` is the request, `rx` the answer buffer.
    /// Returns the BPMP return code and the length of the complete answer,
    /// of which the first `rx.len()` bytes are in `rx` (as the real channel,
    /// a short buffer truncates). `EINVAL` when `tx` or `rx` exceeds a
    /// message channel, as `tegra_bpmp_transfer()`.
    pub(crate) fn transfer(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<(i32, usize)> {
        if tx.len() > MSG_DATA_MAX || rx.len() > MSG_DATA_MAX {
            return Err(EINVAL);
        }
        let mut out = [0u8; MSG_DATA_MAX];
        let (ret, len) = self.state.lock().handle(mrq, tx, &mut out);
        let n = len.min(rx.len());
        rx[..n].copy_from_slice(&out[..n]);
        Ok((ret, len))
    }

    /// Reset-controller access: assert or release reset line `id`.
    pub(crate) fn set_reset(&self, id: usize, asserted: bool) -> Result {
        let mut st = self.state.lock();
        let line = st
            .resets
            .iter_mut()
            .find(|r| r.id as usize == id)
            .ok_or(EINVAL)?;
        line.set(asserted);
        Ok(())
    }

    /// Reset-controller access: pulse reset line `id` (assert, release).
    pub(crate) fn pulse_reset(&self, id: usize) -> Result {
        let mut st = self.state.lock();
        let line = st
            .resets
            .iter_mut()
            .find(|r| r.id as usize == id)
            .ok_or(EINVAL)?;
        line.pulse();
        Ok(())
    }

    /// Reset-controller access: whether reset line `id` is asserted.
    pub(crate) fn reset_asserted(&self, id: usize) -> Result<bool> {
        let st = self.state.lock();
        st.resets
            .iter()
            .find(|r| r.id as usize == id)
            .map(|r| r.asserted)
            .ok_or(EINVAL)
    }

    /// The enable count of clock `id`.
    #[cfg(CONFIG_BPMP_VIRT_KUNIT_TEST)]
    pub(crate) fn enable_count(&self, id: u32) -> Result<u32> {
        let st = self.state.lock();
        st.clocks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.enable_count)
            .ok_or(EINVAL)
    }

    /// One more than the highest reset id.
    pub(crate) fn nr_resets(&self) -> u32 {
        let st = self.state.lock();
        st.resets
            .iter()
            .map(|r| r.id)
            .max()
            .map_or(0, |m| m.saturating_add(1))
    }
}

/// The model's state as text (debugfs `state`), one object a line:
/// `clk <id> <name> rate=<hz> parent=<id> enable_count=<n>`,
/// `reset <id> asserted=<0|1> asserts=<n> deasserts=<n> pulses=<n>`,
/// `pg <id> <name> on=<0|1>`.
pub(crate) struct StateView(pub(crate) Arc<Model>);

impl fmt::Debug for StateView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.0.state.lock();
        for (i, c) in st.clocks.iter().enumerate() {
            writeln!(
                f,
                "clk {} {} rate={} parent={} enable_count={}",
                c.id,
                c.name,
                st.rate(i),
                c.parent,
                c.enable_count
            )?;
        }
        for r in st.resets.iter() {
            writeln!(
                f,
                "reset {} asserted={} asserts={} deasserts={} pulses={}",
                r.id,
                u8::from(r.asserted),
                r.asserts,
                r.deasserts,
                r.pulses
            )?;
        }
        for p in st.pds.iter() {
            writeln!(f, "pg {} {} on={}", p.id, p.name, u8::from(p.on))?;
        }
        writeln!(f, "requests {}", st.requests)
    }
}

#[cfg(CONFIG_BPMP_VIRT_KUNIT_TEST)]
#[kunit_tests(bpmp_virt_model)]
mod tests {
    use super::*;

    fn clk_req(cmd: u8, id: u32, arg: i64) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&((u32::from(cmd) << 24) | id).to_le_bytes());
        b[8..].copy_from_slice(&arg.to_le_bytes());
        b
    }

    #[test]
    fn ping_and_limits() -> Result {
        let m = Model::new()?;
        let mut rx = [0u8; 4];
        assert_eq!(
            m.transfer(abi::MRQ_PING, &21u32.to_le_bytes(), &mut rx),
            Ok((0, 4))
        );
        assert_eq!(u32::from_le_bytes(rx), 42);
        let big = [0u8; MSG_DATA_MAX + 1];
        assert_eq!(m.transfer(abi::MRQ_PING, &big, &mut rx), Err(EINVAL));
        let mut bigrx = [0u8; MSG_DATA_MAX + 1];
        assert_eq!(
            m.transfer(abi::MRQ_PING, &big[..4], &mut bigrx),
            Err(EINVAL)
        );
        assert_eq!(m.transfer(200, &[], &mut rx), Ok((-err::ENODEV, 0)));
        Ok(())
    }

    #[test]
    fn clock_rates_and_refcounts() -> Result {
        let m = Model::new()?;
        let mut rx = [0u8; 8];
        assert_eq!(
            m.transfer(abi::MRQ_CLK, &clk_req(clk::GET_RATE, 155, 0)[..4], &mut rx),
            Ok((0, 8))
        );
        assert_eq!(i64::from_le_bytes(rx), 408_000_000);
        assert_eq!(
            m.transfer(
                abi::MRQ_CLK,
                &clk_req(clk::SET_RATE, 155, 12_000_000),
                &mut rx
            ),
            Ok((0, 8))
        );
        assert_eq!(i64::from_le_bytes(rx), 12_000_000);
        // Roots have fixed rates.
        assert_eq!(
            m.transfer(abi::MRQ_CLK, &clk_req(clk::SET_RATE, 102, 1), &mut rx),
            Ok((-err::EINVAL, 0))
        );
        let en = clk_req(clk::ENABLE, 155, 0);
        let dis = clk_req(clk::DISABLE, 155, 0);
        assert_eq!(m.transfer(abi::MRQ_CLK, &en[..4], &mut rx), Ok((0, 0)));
        assert_eq!(m.transfer(abi::MRQ_CLK, &dis[..4], &mut rx), Ok((0, 0)));
        assert_eq!(
            m.transfer(abi::MRQ_CLK, &dis[..4], &mut rx),
            Ok((-err::EINVAL, 0))
        );
        assert_eq!(
            m.transfer(abi::MRQ_CLK, &clk_req(clk::GET_RATE, 4000, 0)[..4], &mut rx),
            Ok((-err::EINVAL, 0))
        );
        assert_eq!(
            m.transfer(abi::MRQ_CLK, &clk_req(99, 155, 0)[..4], &mut rx),
            Ok((-err::EBADCMD, 0))
        );
        Ok(())
    }

    #[test]
    fn all_info_and_truncation() -> Result {
        let m = Model::new()?;
        let mut rx = [0u8; MSG_DATA_MAX];
        let r = m.transfer(
            abi::MRQ_CLK,
            &clk_req(clk::GET_ALL_INFO, 155, 0)[..4],
            &mut rx,
        )?;
        assert_eq!(r, (0, clk::ALL_INFO_SIZE));
        assert_eq!(le_u32(&rx, 4), Some(102));
        assert_eq!(rx[8 + 4 * clk::MAX_PARENTS], 2);
        assert_eq!(
            &rx[9 + 4 * clk::MAX_PARENTS..14 + 4 * clk::MAX_PARENTS],
            b"uarta"
        );
        // A short answer buffer truncates but reports the full length.
        let mut short = [0u8; 8];
        let r = m.transfer(
            abi::MRQ_CLK,
            &clk_req(clk::GET_ALL_INFO, 155, 0)[..4],
            &mut short,
        )?;
        assert_eq!(r, (0, clk::ALL_INFO_SIZE));
        Ok(())
    }

    #[test]
    fn resets_and_power() -> Result {
        let m = Model::new()?;
        let mut rx = [0u8; 40];
        let mut req = [0u8; 12];
        req[..4].copy_from_slice(&reset::DEASSERT.to_le_bytes());
        req[4..8].copy_from_slice(&100u32.to_le_bytes());
        assert_eq!(m.transfer(abi::MRQ_RESET, &req[..8], &mut rx), Ok((0, 0)));
        assert_eq!(m.reset_asserted(100), Ok(false));
        m.set_reset(100, true)?;
        assert_eq!(m.reset_asserted(100), Ok(true));
        assert_eq!(m.reset_asserted(50), Err(EINVAL));
        m.pulse_reset(100)?;
        assert_eq!(m.reset_asserted(100), Ok(false));
        assert_eq!(m.pulse_reset(50), Err(EINVAL));
        {
            let st = m.state.lock();
            let line = st.resets.iter().find(|r| r.id == 100).ok_or(EINVAL)?;
            // MRQ deassert, set_reset(true), then one pulse.
            assert_eq!((line.asserts, line.deasserts, line.pulses), (2, 2, 1));
        }
        req[..4].copy_from_slice(&pg::SET_STATE.to_le_bytes());
        req[4..8].copy_from_slice(&2u32.to_le_bytes());
        req[8..].copy_from_slice(&pg::STATE_ON.to_le_bytes());
        assert_eq!(m.transfer(abi::MRQ_PG, &req, &mut rx), Ok((0, 0)));
        req[..4].copy_from_slice(&pg::GET_STATE.to_le_bytes());
        assert_eq!(m.transfer(abi::MRQ_PG, &req[..8], &mut rx), Ok((0, 4)));
        assert_eq!(le_u32(&rx, 0), Some(pg::STATE_ON));
        req[..4].copy_from_slice(&pg::GET_NAME.to_le_bytes());
        assert_eq!(
            m.transfer(abi::MRQ_PG, &req[..8], &mut rx),
            Ok((0, pg::NAME_MAXLEN))
        );
        assert_eq!(&rx[..4], b"aud\0");
        Ok(())
    }
}
