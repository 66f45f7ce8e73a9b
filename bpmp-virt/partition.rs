// SPDX-License-Identifier: GPL-2.0

//! A policy partition: one device node (`/dev/bpmp-host[-<name>]`), its
//! allow-lists, the firmware state it holds, and its audit counters.
//!
//! When it is created, the partition walks the firmware's clock tree up from
//! each of its own clocks (`CMD_CLK_GET_ALL_INFO`, current parent) and puts
//! every ancestor it does not own into its enable-only class: preparing a
//! clock in the guest's `clk-bpmp` prepares each registered ancestor first
//! (`clk_core_prepare()`), which sends `CMD_CLK_ENABLE` for it.
//!
//! The partition counts the clock enables (of its own and its enable-only
//! clocks) and power-ons it caused and the reset lines it released, and
//! remembers the parent and rate each of its clocks had before the guest
//! first changed them. A `CMD_CLK_DISABLE` or power-off is forwarded
//! only against the partition's own references; one without a reference is
//! absorbed (answered with success, not forwarded), so a guest can never
//! drop a reference the host or another partition holds. When the last
//! file of the partition is closed (the VM exited), every clock it enabled
//! is disabled, every domain it powered on is powered off and every reset
//! it released is asserted again.
//!
//! Requests of one partition are serialised by its lock; the firmware call
//! and the bookkeeping happen under it, so concurrent writers are safe.

use kernel::{
    fmt, new_mutex,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex},
    time::{Delta, Instant, Monotonic},
};

use crate::{
    abi::{self, clk, err, le_i64, le_u32, pg, reset},
    policy::{ClockClass, Denial, Effect, Policy},
    transport::{Backend, Transport},
};

/// How far up the clock tree the ancestor walk goes (Tegra234 trees are a
/// handful of levels deep).
const MAX_CLOCK_DEPTH: usize = 16;

/// MRQ counters are kept for MRQ numbers below this; higher ones share the
/// last slot.
const MRQ_SLOTS: usize = 256;
/// Denial log lines allowed per [`LOG_WINDOW_MS`].
const LOG_BURST: u32 = 10;
/// Length of a rate-limit window.
const LOG_WINDOW_MS: i64 = 5000;

/// The mutable part of a partition.
struct State {
    open_files: u32,
    /// `(clock id, enables this partition holds)`.
    clk_refs: KVec<(u32, u32)>,
    /// Power domains this partition powered on.
    pg_on: KVec<u32>,
    /// Reset lines this partition released.
    released: KVec<u32>,
    /// `(clock id, parent, rate)` before the partition first changed them.
    saved: KVec<(u32, u32, i64)>,
    /// Allowed requests per MRQ (slot `MRQ_SLOTS` is "other").
    allowed: KVec<u64>,
    /// Denied requests per MRQ.
    denied: KVec<u64>,
    /// Disables/power-offs absorbed for lack of an own reference.
    absorbed: u64,
    /// Rate limiting of denial logs.
    log_window: Option<Instant<Monotonic>>,
    log_used: u32,
    log_suppressed: u64,
}

fn slot(mrq: u32) -> usize {
    (mrq as usize).min(MRQ_SLOTS)
}

fn bump(v: &mut [u64], mrq: u32) {
    if let Some(c) = v.get_mut(slot(mrq)) {
        *c = c.wrapping_add(1);
    }
}

fn zeroes(n: usize) -> Result<KVec<u64>> {
    let mut v = KVec::with_capacity(n, GFP_KERNEL)?;
    v.resize(n, 0, GFP_KERNEL)?;
    Ok(v)
}

/// A policy partition.
#[pin_data]
pub(crate) struct Partition {
    /// The device node name, `bpmp-host` or `bpmp-host-<name>`.
    name: CString,
    policy: Policy,
    backend: Backend,
    #[pin]
    state: Mutex<State>,
}

impl Partition {
    /// A partition called `name` (its device node name); the ancestors of
    /// its clocks are looked up in the firmware and become enable-only.
    pub(crate) fn new(name: CString, mut policy: Policy, backend: Backend) -> Result<Arc<Self>> {
        add_ancestors(&mut policy, &backend)?;
        let state = State {
            open_files: 0,
            clk_refs: KVec::new(),
            pg_on: KVec::new(),
            released: KVec::new(),
            saved: KVec::new(),
            allowed: zeroes(MRQ_SLOTS + 1)?,
            denied: zeroes(MRQ_SLOTS + 1)?,
            absorbed: 0,
            log_window: None,
            log_used: 0,
            log_suppressed: 0,
        };
        Arc::pin_init(
            pin_init!(Self {
                name,
                policy,
                backend,
                state <- new_mutex!(state, "bpmp_partition_state"),
            }),
            GFP_KERNEL,
        )
    }

    /// The device node name.
    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }

    /// A file of this partition was opened.
    pub(crate) fn open(&self) -> Result {
        let mut st = self.state.lock();
        st.open_files = st.open_files.checked_add(1).ok_or(EMFILE)?;
        Ok(())
    }

    /// A file of this partition was closed; the last close releases
    /// everything the partition holds.
    pub(crate) fn close(&self) {
        let mut st = self.state.lock();
        st.open_files = st.open_files.saturating_sub(1);
        if st.open_files == 0 {
            self.release_all(&mut st);
        }
    }

    fn send(&self, mrq: u32, tx: &[u8]) -> Result<i32> {
        let mut rx = [0u8; 8];
        // SET_PARENT answers 4 bytes, SET_RATE 8, the others none.
        let (ret, _) = self.backend.transfer(mrq, tx, &mut rx)?;
        Ok(ret)
    }

    /// The current parent and rate of clock `id`.
    fn clock_setting(&self, id: u32) -> Result<(u32, i64)> {
        let mut rx = [0u8; 8];
        let word = |cmd: u8| ((u32::from(cmd) << 24) | id).to_le_bytes();
        let (ret, _) = self
            .backend
            .transfer(abi::MRQ_CLK, &word(clk::GET_PARENT), &mut rx[..4])?;
        let parent = le_u32(&rx, 0).filter(|_| ret == 0).ok_or(EIO)?;
        let (ret, _) = self
            .backend
            .transfer(abi::MRQ_CLK, &word(clk::GET_RATE), &mut rx)?;
        let rate = le_i64(&rx, 0).filter(|_| ret == 0).ok_or(EIO)?;
        Ok((parent, rate))
    }

    fn release_all(&self, st: &mut State) {
        for &(id, parent, rate) in st.saved.iter() {
            let mut tx = [0u8; 16];
            tx[..4].copy_from_slice(&((u32::from(clk::SET_PARENT) << 24) | id).to_le_bytes());
            tx[4..8].copy_from_slice(&parent.to_le_bytes());
            let parent_ok = matches!(self.send(abi::MRQ_CLK, &tx[..8]), Ok(0));
            tx[..4].copy_from_slice(&((u32::from(clk::SET_RATE) << 24) | id).to_le_bytes());
            tx[4..8].fill(0);
            tx[8..].copy_from_slice(&rate.to_le_bytes());
            if !parent_ok || !matches!(self.send(abi::MRQ_CLK, &tx), Ok(0)) {
                pr_warn!("{}: cleanup: restoring clock {} failed\n", self.name(), id);
            }
        }
        st.saved.clear();
        for &(id, n) in st.clk_refs.iter() {
            let word = (u32::from(clk::DISABLE) << 24) | id;
            for _ in 0..n {
                if !matches!(self.send(abi::MRQ_CLK, &word.to_le_bytes()), Ok(0)) {
                    pr_warn!("{}: cleanup: disabling clock {} failed\n", self.name(), id);
                    break;
                }
            }
        }
        st.clk_refs.clear();
        for &id in st.pg_on.iter() {
            let mut tx = [0u8; 12];
            tx[..4].copy_from_slice(&pg::SET_STATE.to_le_bytes());
            tx[4..8].copy_from_slice(&id.to_le_bytes());
            tx[8..].copy_from_slice(&pg::STATE_OFF.to_le_bytes());
            if !matches!(self.send(abi::MRQ_PG, &tx), Ok(0)) {
                pr_warn!(
                    "{}: cleanup: powering off domain {} failed\n",
                    self.name(),
                    id
                );
            }
        }
        st.pg_on.clear();
        for &id in st.released.iter() {
            let mut tx = [0u8; 8];
            tx[..4].copy_from_slice(&reset::ASSERT.to_le_bytes());
            tx[4..].copy_from_slice(&id.to_le_bytes());
            if !matches!(self.send(abi::MRQ_RESET, &tx), Ok(0)) {
                pr_warn!("{}: cleanup: asserting reset {} failed\n", self.name(), id);
            }
        }
        st.released.clear();
    }

    fn log_denial(&self, st: &mut State, mrq: u32, why: Denial) {
        let now = Instant::<Monotonic>::now();
        let expired = match st.log_window {
            None => true,
            Some(start) => now - start > Delta::from_millis(LOG_WINDOW_MS),
        };
        if expired {
            if st.log_suppressed > 0 {
                pr_warn!(
                    "{}: {} denial messages suppressed\n",
                    self.name(),
                    st.log_suppressed
                );
            }
            st.log_window = Some(now);
            st.log_used = 0;
            st.log_suppressed = 0;
        }
        if st.log_used < LOG_BURST {
            st.log_used += 1;
            pr_warn!("{}: denied mrq {}: {:?}\n", self.name(), mrq, why);
        } else {
            st.log_suppressed = st.log_suppressed.wrapping_add(1);
        }
    }

    /// Handles one request: policy check, reference bookkeeping, firmware
    /// call. Returns the firmware's return code and answer length.
    pub(crate) fn request(&self, mrq: u32, tx: &[u8], rx: &mut [u8]) -> Result<(i32, usize)> {
        let mut st = self.state.lock();
        let effect = match self.policy.check(mrq, tx) {
            Ok(e) => e,
            Err(why) => {
                bump(&mut st.denied, mrq);
                self.log_denial(&mut st, mrq, why);
                return Err(why.errno());
            }
        };
        bump(&mut st.allowed, mrq);
        if effect == Effect::AbiUnsupported {
            // `struct mrq_query_abi_response { int32_t status; }`.
            let status = (-err::ENODEV).to_le_bytes();
            let n = rx.len().min(status.len());
            rx[..n].copy_from_slice(&status[..n]);
            return Ok((0, status.len()));
        }
        // Absorb releases of references this partition does not hold, and
        // make room for new references before the firmware acts.
        let mut saved_now = false;
        match effect {
            Effect::ClkDisable(id) => {
                if !st.clk_refs.iter().any(|&(c, n)| c == id && n > 0) {
                    st.absorbed = st.absorbed.wrapping_add(1);
                    return Ok((0, 0));
                }
            }
            Effect::PgOff(id) => {
                if !st.pg_on.contains(&id) {
                    st.absorbed = st.absorbed.wrapping_add(1);
                    return Ok((0, 0));
                }
            }
            Effect::ClkEnable(id) => {
                if !st.clk_refs.iter().any(|&(c, _)| c == id) {
                    st.clk_refs.push((id, 0), GFP_KERNEL)?;
                }
            }
            Effect::PgOn(_) => st.pg_on.reserve(1, GFP_KERNEL)?,
            Effect::ClkChange(id) => {
                // A clock the firmware cannot describe cannot change
                // either: the firmware answers the request with its error.
                if !st.saved.iter().any(|&(c, _, _)| c == id) {
                    if let Ok((parent, rate)) = self.clock_setting(id) {
                        st.saved.push((id, parent, rate), GFP_KERNEL)?;
                        saved_now = true;
                    }
                }
            }
            Effect::ResetRelease(_) => st.released.reserve(1, GFP_KERNEL)?,
            Effect::ResetAssert(_) | Effect::None | Effect::ClkInfo(_) | Effect::AbiUnsupported => {
            }
        }
        let (ret, len) = match self.backend.transfer(mrq, tx, rx) {
            Ok(r) => r,
            Err(e) => {
                if saved_now {
                    st.saved.pop();
                }
                return Err(e);
            }
        };
        if saved_now && ret != 0 {
            // Nothing changed: nothing to restore.
            st.saved.pop();
        }
        if let (Effect::ClkInfo(class), 0) = (effect, ret) {
            // The firmware's flags, plus the denials of this partition.
            if let Some(flags) = le_u32(rx, 0) {
                rx[..4].copy_from_slice(&(flags | class.denied_flags()).to_le_bytes());
            }
        }
        if ret != 0 {
            return Ok((ret, len));
        }
        match effect {
            Effect::ClkEnable(id) => {
                if let Some(e) = st.clk_refs.iter_mut().find(|(c, _)| *c == id) {
                    e.1 = e.1.saturating_add(1);
                }
            }
            Effect::ClkDisable(id) => {
                if let Some(e) = st.clk_refs.iter_mut().find(|(c, _)| *c == id) {
                    e.1 = e.1.saturating_sub(1);
                }
            }
            Effect::PgOn(id) => {
                if !st.pg_on.contains(&id) {
                    st.pg_on.push(id, GFP_KERNEL)?;
                }
            }
            Effect::PgOff(id) => st.pg_on.retain(|p| *p != id),
            Effect::ResetRelease(id) => {
                if !st.released.contains(&id) {
                    st.released.push(id, GFP_KERNEL)?;
                }
            }
            Effect::ResetAssert(id) => st.released.retain(|r| *r != id),
            Effect::None | Effect::ClkInfo(_) | Effect::AbiUnsupported | Effect::ClkChange(_) => {}
        }
        Ok((ret, len))
    }
}

/// Puts every ancestor of `policy`'s own clocks that the partition does not
/// own into its enable-only class (explicitly read-only clocks end the walk).
/// The firmware's current parents are followed up to a root
/// (`BPMP_CLK_IS_ROOT`) or a clock the firmware does not know.
fn add_ancestors(policy: &mut Policy, backend: &Backend) -> Result {
    let flags_at = core::mem::offset_of!(clk::AllInfo, flags);
    let parent_at = core::mem::offset_of!(clk::AllInfo, parent);
    let mut ancestors = KVec::new();
    for &own in policy.clocks.iter() {
        if policy.clock_class(own) != ClockClass::Owned {
            continue;
        }
        let mut id = own;
        for _ in 0..MAX_CLOCK_DEPTH {
            let word = (u32::from(clk::GET_ALL_INFO) << 24) | id;
            let mut info = [0u8; clk::ALL_INFO_SIZE];
            let (ret, _) = backend.transfer(abi::MRQ_CLK, &word.to_le_bytes(), &mut info)?;
            let (Some(flags), Some(parent)) = (le_u32(&info, flags_at), le_u32(&info, parent_at))
            else {
                break;
            };
            if ret != 0 || flags & clk::IS_ROOT != 0 || parent == id {
                break;
            }
            if policy.read_only_clocks.contains(&parent) {
                break;
            }
            if policy.clock_class(parent) != ClockClass::Owned && !ancestors.contains(&parent) {
                ancestors.push(parent, GFP_KERNEL)?;
            }
            id = parent;
        }
    }
    for id in ancestors {
        if !policy.enable_only_clocks.contains(&id) {
            policy.enable_only_clocks.push(id, GFP_KERNEL)?;
        }
    }
    Ok(())
}

/// The partition's audit counters and held references as text (debugfs
/// `stats`): `allowed <n>`, `denied <n>`, `absorbed <n>`, `open_files <n>`,
/// then `mrq <n> allowed=<a> denied=<d>` for every MRQ seen (`mrq other`
/// for numbers >= 256), `enable-only <id>` for each enable-only clock,
/// `clk <id> refs=<n>`, `pg <id> on`, `reset <id> released`.
pub(crate) struct StatsView(pub(crate) Arc<Partition>);

impl fmt::Debug for StatsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.0.state.lock();
        let total = |v: &KVec<u64>| v.iter().fold(0u64, |a, &b| a.wrapping_add(b));
        writeln!(f, "allowed {}", total(&st.allowed))?;
        writeln!(f, "denied {}", total(&st.denied))?;
        writeln!(f, "absorbed {}", st.absorbed)?;
        writeln!(f, "open_files {}", st.open_files)?;
        for (i, (a, d)) in st.allowed.iter().zip(st.denied.iter()).enumerate() {
            if *a == 0 && *d == 0 {
                continue;
            }
            if i == MRQ_SLOTS {
                writeln!(f, "mrq other allowed={} denied={}", a, d)?;
            } else {
                writeln!(f, "mrq {} allowed={} denied={}", i, a, d)?;
            }
        }
        for id in self.0.policy.enable_only_clocks.iter() {
            if self.0.policy.clock_class(*id) == ClockClass::EnableOnly {
                writeln!(f, "enable-only {}", id)?;
            }
        }
        for id in self.0.policy.clocks.iter() {
            if self.0.policy.clock_class(*id) == ClockClass::EnableOnly {
                writeln!(f, "enable-only {}", id)?;
            }
        }
        for (id, n) in st.clk_refs.iter() {
            if *n > 0 {
                writeln!(f, "clk {} refs={}", id, n)?;
            }
        }
        for id in st.pg_on.iter() {
            writeln!(f, "pg {} on", id)?;
        }
        for id in st.released.iter() {
            writeln!(f, "reset {} released", id)?;
        }
        Ok(())
    }
}

#[cfg(all(CONFIG_BPMP_VIRT_MODEL, CONFIG_BPMP_VIRT_KUNIT_TEST))]
#[kunit_tests(bpmp_virt_partition)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn clk_word(cmd: u8, id: u32) -> [u8; 4] {
        ((u32::from(cmd) << 24) | id).to_le_bytes()
    }

    fn enabled(m: &Model, id: u32) -> Result<bool> {
        let mut rx = [0u8; 4];
        m.transfer(abi::MRQ_CLK, &clk_word(clk::IS_ENABLED, id), &mut rx)?;
        Ok(u32::from_le_bytes(rx) != 0)
    }

    fn partition(m: &Arc<Model>) -> Result<Arc<Partition>> {
        let mut policy = Policy::default();
        for id in [155, 40] {
            policy.clocks.push(id, GFP_KERNEL)?;
        }
        policy.resets.push(100, GFP_KERNEL)?;
        Partition::new(
            CString::try_from_fmt(fmt!("kunit"))?,
            policy,
            Backend::Model(m.clone()),
        )
    }

    #[test]
    fn disable_needs_own_reference() -> Result {
        let m = Model::new()?;
        let p = partition(&m)?;
        let mut rx = [0u8; 8];
        p.open()?;
        // FUSE (40) is enabled by the host in the model.
        assert!(enabled(&m, 40)?);
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::DISABLE, 40), &mut rx),
            Ok((0, 0))
        );
        assert!(enabled(&m, 40)?);
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::ENABLE, 40), &mut rx),
            Ok((0, 0))
        );
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::DISABLE, 40), &mut rx),
            Ok((0, 0))
        );
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::DISABLE, 40), &mut rx),
            Ok((0, 0))
        );
        assert!(enabled(&m, 40)?);
        p.close();
        assert!(enabled(&m, 40)?);
        Ok(())
    }

    #[test]
    fn last_close_releases() -> Result {
        let m = Model::new()?;
        let p = partition(&m)?;
        let mut rx = [0u8; 8];
        let mut deassert = [0u8; 8];
        deassert[..4].copy_from_slice(&reset::DEASSERT.to_le_bytes());
        deassert[4..].copy_from_slice(&100u32.to_le_bytes());
        p.open()?;
        p.open()?;
        for _ in 0..2 {
            assert_eq!(
                p.request(abi::MRQ_CLK, &clk_word(clk::ENABLE, 155), &mut rx),
                Ok((0, 0))
            );
        }
        assert_eq!(p.request(abi::MRQ_RESET, &deassert, &mut rx), Ok((0, 0)));
        assert_eq!(m.reset_asserted(100), Ok(false));
        p.close();
        assert!(enabled(&m, 155)?);
        p.close();
        assert!(!enabled(&m, 155)?);
        assert_eq!(m.reset_asserted(100), Ok(true));
        Ok(())
    }

    #[test]
    fn ancestors_become_enable_only() -> Result {
        let m = Model::new()?;
        let mut policy = Policy::default();
        // MGBE0_APP (380) runs from UTMIPLL_CLKOUT480 (292), UTMIP_PLL (103)
        // and OSC (91); OSC is also listed, as in Ghaf's allow-list.
        for id in [380, 91] {
            policy.clocks.push(id, GFP_KERNEL)?;
        }
        let p = Partition::new(
            CString::try_from_fmt(fmt!("kunit"))?,
            policy,
            Backend::Model(m.clone()),
        )?;
        assert_eq!(p.policy.clock_class(380), ClockClass::Owned);
        for id in [292, 103, 91] {
            assert_eq!(p.policy.clock_class(id), ClockClass::EnableOnly);
        }
        assert_eq!(p.policy.clock_class(14), ClockClass::ReadOnly);
        let mut rx = [0u8; 8];
        p.open()?;
        // UTMIP_PLL runs for the host's USB: one enable is the host's.
        assert_eq!(m.enable_count(103), Ok(1));
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::ENABLE, 103), &mut rx),
            Ok((0, 0))
        );
        assert_eq!(m.enable_count(103), Ok(2));
        // A disable drops only the partition's own reference.
        for _ in 0..2 {
            assert_eq!(
                p.request(abi::MRQ_CLK, &clk_word(clk::DISABLE, 103), &mut rx),
                Ok((0, 0))
            );
        }
        assert_eq!(m.enable_count(103), Ok(1));
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::ENABLE, 103), &mut rx),
            Ok((0, 0))
        );
        // Rate and parent stay the host's.
        let mut rate = [0u8; 16];
        rate[..4].copy_from_slice(&clk_word(clk::SET_RATE, 103));
        assert_eq!(p.request(abi::MRQ_CLK, &rate, &mut rx), Err(EPERM));
        p.close();
        assert_eq!(m.enable_count(103), Ok(1));
        Ok(())
    }

    #[test]
    fn denials_are_errors() -> Result {
        let m = Model::new()?;
        let p = partition(&m)?;
        let mut rx = [0u8; 8];
        assert_eq!(
            p.request(abi::MRQ_CLK, &clk_word(clk::ENABLE, 156), &mut rx),
            Err(EPERM)
        );
        assert_eq!(p.request(abi::MRQ_CLK, &[0u8; 2], &mut rx), Err(EINVAL));
        assert_eq!(p.request(abi::MRQ_DEBUG, &[], &mut rx), Err(EPERM));
        assert!(!enabled(&m, 156)?);
        Ok(())
    }
}
