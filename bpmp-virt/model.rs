// SPDX-License-Identifier: GPL-2.0

//! A software model of the BPMP firmware, for tests in QEMU.
//!
//! It holds a small clock tree (including the ids of Ghaf's UARTA
//! passthrough: 155 UARTA, 102 PLLP_OUT0, and 40 FUSE, enabled by the host),
//! reset lines and power domains, and answers `MRQ_PING`,
//! `MRQ_THREADED_PING`, `MRQ_QUERY_ABI`, `MRQ_QUERY_FW_TAG`, `MRQ_CLK`,
//! `MRQ_RESET` and `MRQ_PG` with the real message layouts and BPMP error
//! codes. Like `tegra_bpmp_transfer()`, it refuses requests or answer
//! buffers larger than one message channel ([`MSG_DATA_MAX`]) with
//! `EINVAL`; unknown MRQs are answered with `-BPMP_ENODEV`.

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

const UART_PARENTS: &[u32] = &[102, 14];

fn clock(id: u32, name: &'static str, parents: &'static [u32], root_rate: i64) -> Clock {
    Clock {
        id,
        name,
        parents,
        parent: parents.first().copied().unwrap_or(id),
        root_rate,
        div: 1,
        enable_count: 0,
    }
}

impl State {
    fn new() -> Result<Self> {
        let mut clocks = KVec::new();
        for c in [
            clock(91, "osc", &[], 38_400_000),
            clock(14, "clk_m", &[], 19_200_000),
            clock(102, "pllp_out0", &[], 408_000_000),
            clock(40, "fuse", &[14], 0),
            clock(48, "i2c1", UART_PARENTS, 0),
            clock(135, "spi1", UART_PARENTS, 0),
            clock(155, "uarta", UART_PARENTS, 0),
            clock(156, "uartb", UART_PARENTS, 0),
            clock(157, "uartc", UART_PARENTS, 0),
        ] {
            clocks.push(c, GFP_KERNEL)?;
        }
        // FUSE is the host's: the host enabled it before any guest ran.
        if let Some(fuse) = clocks.iter_mut().find(|c| c.id == 40) {
            fuse.enable_count = 1;
        }
        let mut resets = KVec::new();
        for id in [24, 91, 100, 101, 102] {
            resets.push(ResetLine::new(id), GFP_KERNEL)?;
        }
        let mut pds = KVec::new();
        for (id, name) in [(1, "ofa"), (2, "aud"), (3, "disp"), (10, "xusba")] {
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
        // The tree is at most two levels deep; bound the walk anyway.
        let mut idx = idx;
        let mut div: i64 = 1;
        for _ in 0..4 {
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
