// SPDX-License-Identifier: GPL-2.0

//! The deny-by-default policy engine: decodes a request's MRQ and payload
//! (full ABI field widths) and decides whether a partition may send it.
//!
//! What a booting guest sends, and therefore what must pass, is taken from
//! the 7.3 guest drivers (see `selftests/bpmp-virt/replay.c` for the whole
//! sequence):
//!
//! - `MRQ_PING`, `MRQ_THREADED_PING`, `MRQ_QUERY_ABI` and `MRQ_QUERY_FW_TAG`
//!   have no side effects and are always allowed (`tegra_bpmp_probe()`,
//!   `tegra_bpmp_get_firmware_tag()`, `tegra_bpmp_mrq_is_supported()` in
//!   `drivers/firmware/tegra/bpmp.c`). `MRQ_QUERY_ABI` about an MRQ the
//!   partition may not send is answered here with `-BPMP_ENODEV`, so the
//!   guest does not use it (e.g. `tegra_bpmp_init_debugfs()` and
//!   `MRQ_DEBUG`).
//! - `MRQ_QUERY_TAG` (firmware writes to a caller-chosen physical address),
//!   `MRQ_DEBUG` and `MRQ_DEBUGFS` are always denied, even if listed in
//!   `allowed-mrqs`.
//! - Discovery is answered for every id: `CMD_CLK_GET_MAX_CLK_ID`,
//!   `GET_ALL_INFO`, `GET_PARENT`, `GET_RATE`, `IS_ENABLED`, `ROUND_RATE`,
//!   `GET_FMAX_AT_VMIN` (`tegra_bpmp_probe_clocks()` asks `GET_ALL_INFO` for
//!   every id up to the maximum, and `tegra_bpmp_clk_register()` refuses a
//!   clock whose parent it could not discover), `CMD_PG_QUERY_ABI`,
//!   `GET_MAX_ID`, `GET_NAME`, `GET_STATE` (`tegra_bpmp_probe_powergates()`)
//!   and `CMD_RESET_GET_MAX_ID`.
//! - Clocks come in three classes ([`ClockClass`]): owned clocks take every
//!   command; enable-only clocks (ancestors of owned clocks) take
//!   `ENABLE`/`DISABLE`, which the partition reference-counts; every other
//!   clock is read-only. The `GET_ALL_INFO` answer carries the class in the
//!   firmware's own permission flags, so the guest's `clk-bpmp` registers
//!   the clock with operations that never send a denied command.
//! - Resets and power domains: state changes only on the partition's own
//!   ids.
//! - Any other MRQ (the SoC-wide ones: `MRQ_STRAP`, `MRQ_BWMGR`,
//!   `MRQ_ISO_CLIENT`, `MRQ_EMC_DVFS_*`, ...) only if listed in
//!   `allowed-mrqs`.

use kernel::prelude::*;

use crate::abi::{self, clk, le_u32, pg, reset};

/// A partition's allow-lists.
#[derive(Default)]
pub(crate) struct Policy {
    /// Clocks the partition owns: every command.
    pub(crate) clocks: KVec<u32>,
    /// Clocks the partition may only enable and disable (reference
    /// counted); the ancestors of its own clocks.
    pub(crate) enable_only_clocks: KVec<u32>,
    /// Clocks that must stay read-only even if they are ancestors.
    pub(crate) read_only_clocks: KVec<u32>,
    pub(crate) resets: KVec<u32>,
    pub(crate) power_domains: KVec<u32>,
    pub(crate) mrqs: KVec<u32>,
}

/// What a partition may do with a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockClass {
    /// Every command.
    Owned,
    /// Queries, and `ENABLE`/`DISABLE` against the partition's own
    /// references. Reported with `BPMP_CLK_RATE_PARENT_CHANGE_DENIED`
    /// (`clk-bpmp`: gate operations, `prepare` sends `ENABLE`).
    EnableOnly,
    /// Queries only. Reported with both `..._DENIED` flags (`clk-bpmp`:
    /// read-only operations, nothing is ever sent but queries).
    ReadOnly,
}

impl ClockClass {
    /// The permission flags a `GET_ALL_INFO` answer gets for this class.
    pub(crate) fn denied_flags(self) -> u32 {
        match self {
            ClockClass::Owned => 0,
            ClockClass::EnableOnly => clk::RATE_PARENT_CHANGE_DENIED,
            ClockClass::ReadOnly => clk::RATE_PARENT_CHANGE_DENIED | clk::STATE_CHANGE_DENIED,
        }
    }
}

/// Clocks every Tegra234 host shares between all its users, which a guest
/// may therefore never own (at most enable): `TEGRA234_CLK_CLK_M` (14),
/// `OSC` (91), `PLLP_OUT0` (102), `UTMIP_PLL` (103), `PLLREFE_VCOOUT` (288),
/// `UTMIPLL_CLKOUT480` (292), `PLLREFE_VCOOUT_GATED` (327). The list is
/// Ghaf's `protected_clk_roots[]` (`bpmp-host-proxy.c`, jetpack-nixos
/// `pkgs/orin-virtualization-support`), where such ids in `allowed-clocks`
/// may be enabled but not disabled, re-rated or re-parented.
pub(crate) const SHARED_ROOTS: [u32; 7] = [14, 91, 102, 103, 288, 292, 327];

/// The state change an allowed request asks for; the partition tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// No tracked state change.
    None,
    /// `CMD_CLK_GET_ALL_INFO`: the answer's flags get the class's bits.
    ClkInfo(ClockClass),
    /// `MRQ_QUERY_ABI` about an MRQ this partition may not send: answered
    /// with `-BPMP_ENODEV` without asking the firmware.
    AbiUnsupported,
    /// `CMD_CLK_ENABLE` of a clock.
    ClkEnable(u32),
    /// `CMD_CLK_DISABLE` of a clock.
    ClkDisable(u32),
    /// `CMD_CLK_SET_RATE` or `CMD_CLK_SET_PARENT` of an owned clock.
    ClkChange(u32),
    /// `CMD_PG_SET_STATE` on (or running).
    PgOn(u32),
    /// `CMD_PG_SET_STATE` off.
    PgOff(u32),
    /// `CMD_RESET_ASSERT`.
    ResetAssert(u32),
    /// `CMD_RESET_DEASSERT` or `CMD_RESET_MODULE` (ends deasserted).
    ResetRelease(u32),
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denial {
    /// The payload is too short for its (sub-)command: `EINVAL`.
    Truncated,
    /// An MRQ that is never forwarded.
    Forbidden,
    /// An MRQ the partition did not opt in to.
    MrqNotAllowed,
    /// A state change of a clock beyond its class, or an unknown
    /// sub-command.
    Clock { cmd: u8, id: u32, class: ClockClass },
    /// `SET_PARENT` onto a clock outside the partition.
    Parent { id: u32, parent: u32 },
    /// A reset line not in the partition, or an unknown sub-command.
    Reset { cmd: u32, id: u32 },
    /// A power domain not in the partition, or an unknown sub-command.
    PowerDomain { cmd: u32, id: u32 },
}

impl Denial {
    /// The errno `write()` returns.
    pub(crate) fn errno(self) -> Error {
        match self {
            Denial::Truncated => EINVAL,
            _ => EPERM,
        }
    }
}

/// Splits an `MRQ_CLK` `cmd_and_id` word: command in bits 31..24, clock id
/// in bits 23..0.
pub(crate) fn clk_cmd_and_id(word: u32) -> (u8, u32) {
    ((word >> 24) as u8, word & 0x00ff_ffff)
}

impl Policy {
    fn has(list: &[u32], id: u32) -> bool {
        list.contains(&id)
    }

    /// The class of clock `id` for this partition.
    pub(crate) fn clock_class(&self, id: u32) -> ClockClass {
        if Self::has(&self.read_only_clocks, id) {
            ClockClass::ReadOnly
        } else if Self::has(&self.clocks, id) && !SHARED_ROOTS.contains(&id) {
            ClockClass::Owned
        } else if Self::has(&self.clocks, id) || Self::has(&self.enable_only_clocks, id) {
            ClockClass::EnableOnly
        } else {
            ClockClass::ReadOnly
        }
    }

    /// Whether the partition may send `mrq` at all (what `MRQ_QUERY_ABI`
    /// answers for).
    pub(crate) fn may_send(&self, mrq: u32) -> bool {
        match mrq {
            abi::MRQ_PING
            | abi::MRQ_THREADED_PING
            | abi::MRQ_QUERY_ABI
            | abi::MRQ_QUERY_FW_TAG
            | abi::MRQ_CLK
            | abi::MRQ_RESET
            | abi::MRQ_PG => true,
            abi::MRQ_QUERY_TAG | abi::MRQ_DEBUG | abi::MRQ_DEBUGFS => false,
            _ => Self::has(&self.mrqs, mrq),
        }
    }

    /// Decides whether `mrq` with payload `tx` may be forwarded.
    pub(crate) fn check(&self, mrq: u32, tx: &[u8]) -> Result<Effect, Denial> {
        match mrq {
            abi::MRQ_PING | abi::MRQ_THREADED_PING | abi::MRQ_QUERY_FW_TAG => Ok(Effect::None),
            abi::MRQ_QUERY_ABI => {
                // `struct mrq_query_abi_request { uint32_t mrq; }`.
                let asked = le_u32(tx, 0).ok_or(Denial::Truncated)?;
                Ok(if self.may_send(asked) {
                    Effect::None
                } else {
                    Effect::AbiUnsupported
                })
            }
            abi::MRQ_QUERY_TAG | abi::MRQ_DEBUG | abi::MRQ_DEBUGFS => Err(Denial::Forbidden),
            abi::MRQ_CLK => self.check_clk(tx),
            abi::MRQ_RESET => self.check_reset(tx),
            abi::MRQ_PG => self.check_pg(tx),
            _ if Self::has(&self.mrqs, mrq) => Ok(Effect::None),
            _ => Err(Denial::MrqNotAllowed),
        }
    }

    fn check_clk(&self, tx: &[u8]) -> Result<Effect, Denial> {
        let (cmd, id) = clk_cmd_and_id(le_u32(tx, 0).ok_or(Denial::Truncated)?);
        let class = self.clock_class(id);
        let deny = Denial::Clock { cmd, id, class };
        match cmd {
            clk::GET_ALL_INFO => Ok(Effect::ClkInfo(class)),
            clk::GET_MAX_CLK_ID
            | clk::GET_RATE
            | clk::GET_PARENT
            | clk::IS_ENABLED
            | clk::GET_FMAX_AT_VMIN => Ok(Effect::None),
            clk::ROUND_RATE => {
                // `struct cmd_clk_round_rate_request`: unused, rate.
                if tx.len() < 16 {
                    return Err(Denial::Truncated);
                }
                Ok(Effect::None)
            }
            clk::ENABLE | clk::DISABLE if class != ClockClass::ReadOnly => {
                Ok(if cmd == clk::ENABLE {
                    Effect::ClkEnable(id)
                } else {
                    Effect::ClkDisable(id)
                })
            }
            clk::SET_RATE if class == ClockClass::Owned => {
                // `struct cmd_clk_set_rate_request`: unused, rate.
                if tx.len() < 16 {
                    return Err(Denial::Truncated);
                }
                Ok(Effect::ClkChange(id))
            }
            clk::SET_PARENT if class == ClockClass::Owned => {
                let parent = le_u32(tx, 4).ok_or(Denial::Truncated)?;
                if self.clock_class(parent) == ClockClass::ReadOnly {
                    Err(Denial::Parent { id, parent })
                } else {
                    Ok(Effect::ClkChange(id))
                }
            }
            _ => Err(deny),
        }
    }

    fn check_reset(&self, tx: &[u8]) -> Result<Effect, Denial> {
        let cmd = le_u32(tx, 0).ok_or(Denial::Truncated)?;
        let id = le_u32(tx, 4).ok_or(Denial::Truncated)?;
        match cmd {
            reset::GET_MAX_ID => Ok(Effect::None),
            reset::ASSERT | reset::DEASSERT | reset::MODULE if Self::has(&self.resets, id) => {
                Ok(if cmd == reset::ASSERT {
                    Effect::ResetAssert(id)
                } else {
                    Effect::ResetRelease(id)
                })
            }
            _ => Err(Denial::Reset { cmd, id }),
        }
    }

    fn check_pg(&self, tx: &[u8]) -> Result<Effect, Denial> {
        let cmd = le_u32(tx, 0).ok_or(Denial::Truncated)?;
        let id = le_u32(tx, 4).ok_or(Denial::Truncated)?;
        match cmd {
            pg::GET_MAX_ID | pg::QUERY_ABI | pg::GET_NAME | pg::GET_STATE => Ok(Effect::None),
            pg::SET_STATE if Self::has(&self.power_domains, id) => {
                match le_u32(tx, 8).ok_or(Denial::Truncated)? {
                    pg::STATE_OFF => Ok(Effect::PgOff(id)),
                    pg::STATE_ON | pg::STATE_RUNNING => Ok(Effect::PgOn(id)),
                    // The firmware rejects other states itself.
                    _ => Ok(Effect::None),
                }
            }
            _ => Err(Denial::PowerDomain { cmd, id }),
        }
    }
}

#[cfg(CONFIG_BPMP_VIRT_KUNIT_TEST)]
#[kunit_tests(bpmp_virt_policy)]
mod tests {
    use super::*;

    fn list(ids: &[u32]) -> KVec<u32> {
        let mut v = KVec::new();
        for id in ids {
            if v.push(*id, GFP_KERNEL).is_err() {
                return KVec::new();
            }
        }
        v
    }

    fn uarta() -> Policy {
        Policy {
            // PLLP_OUT0 is a shared root: listed, it is still enable-only.
            clocks: list(&[155, 102]),
            enable_only_clocks: list(&[41]),
            read_only_clocks: list(&[40]),
            resets: list(&[100]),
            power_domains: list(&[3]),
            mrqs: list(&[abi::MRQ_BWMGR]),
        }
    }

    fn clk(cmd: u8, id: u32) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&((u32::from(cmd) << 24) | id).to_le_bytes());
        b
    }

    fn two(a: u32, b: u32) -> [u8; 12] {
        let mut t = [0u8; 12];
        t[..4].copy_from_slice(&a.to_le_bytes());
        t[4..8].copy_from_slice(&b.to_le_bytes());
        t
    }

    #[test]
    fn clk_word_uses_full_field_widths() {
        assert_eq!(clk_cmd_and_id(0x0700_009b), (7, 155));
        // Ghaf's 12-bit id mask would see 155 here; the full field is not 155.
        assert_eq!(clk_cmd_and_id(0x0700_109b), (7, 0x109b));
        assert_eq!(clk_cmd_and_id(0x1700_009b), (0x17, 155));
        assert_eq!(clk_cmd_and_id(0xff12_3456), (0xff, 0x12_3456));
    }

    #[test]
    fn side_effect_free_mrqs_allowed() {
        let p = Policy::default();
        for mrq in [abi::MRQ_PING, abi::MRQ_THREADED_PING, abi::MRQ_QUERY_FW_TAG] {
            assert_eq!(p.check(mrq, &[]), Ok(Effect::None));
        }
        assert_eq!(
            p.check(abi::MRQ_QUERY_ABI, &abi::MRQ_CLK.to_le_bytes()),
            Ok(Effect::None)
        );
        assert_eq!(p.check(abi::MRQ_QUERY_ABI, &[0; 3]), Err(Denial::Truncated));
    }

    #[test]
    fn query_abi_hides_what_may_not_be_sent() {
        let p = uarta();
        for mrq in [
            abi::MRQ_DEBUG,
            abi::MRQ_DEBUGFS,
            abi::MRQ_QUERY_TAG,
            abi::MRQ_STRAP,
            200,
        ] {
            assert_eq!(
                p.check(abi::MRQ_QUERY_ABI, &mrq.to_le_bytes()),
                Ok(Effect::AbiUnsupported)
            );
        }
        for mrq in [
            abi::MRQ_BWMGR,
            abi::MRQ_CLK,
            abi::MRQ_PG,
            abi::MRQ_QUERY_FW_TAG,
        ] {
            assert_eq!(
                p.check(abi::MRQ_QUERY_ABI, &mrq.to_le_bytes()),
                Ok(Effect::None)
            );
        }
    }

    #[test]
    fn dangerous_mrqs_always_denied() {
        let mut p = uarta();
        p.mrqs = list(&[abi::MRQ_QUERY_TAG, abi::MRQ_DEBUG, abi::MRQ_DEBUGFS]);
        for mrq in [abi::MRQ_QUERY_TAG, abi::MRQ_DEBUG, abi::MRQ_DEBUGFS] {
            assert_eq!(p.check(mrq, &[0; 16]), Err(Denial::Forbidden));
            assert!(!p.may_send(mrq));
        }
    }

    #[test]
    fn soc_wide_mrqs_need_opt_in() {
        let p = uarta();
        assert_eq!(p.check(abi::MRQ_BWMGR, &[0; 8]), Ok(Effect::None));
        for mrq in [
            abi::MRQ_STRAP,
            abi::MRQ_ISO_CLIENT,
            abi::MRQ_EMC_DVFS_LATENCY,
            abi::MRQ_EMC_DVFS_EMCHUB,
        ] {
            assert_eq!(p.check(mrq, &[0; 8]), Err(Denial::MrqNotAllowed));
        }
        assert_eq!(
            Policy::default().check(abi::MRQ_BWMGR, &[0; 8]),
            Err(Denial::MrqNotAllowed)
        );
    }

    #[test]
    fn clock_classes() {
        let p = uarta();
        assert_eq!(p.clock_class(155), ClockClass::Owned);
        assert_eq!(p.clock_class(102), ClockClass::EnableOnly);
        assert_eq!(p.clock_class(41), ClockClass::EnableOnly);
        assert_eq!(p.clock_class(40), ClockClass::ReadOnly);
        assert_eq!(p.clock_class(7), ClockClass::ReadOnly);
        assert_eq!(ClockClass::Owned.denied_flags(), 0);
        assert_eq!(
            ClockClass::EnableOnly.denied_flags(),
            clk::RATE_PARENT_CHANGE_DENIED
        );
        assert_eq!(
            ClockClass::ReadOnly.denied_flags(),
            clk::RATE_PARENT_CHANGE_DENIED | clk::STATE_CHANGE_DENIED
        );

        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::ENABLE, 155)),
            Ok(Effect::ClkEnable(155))
        );
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::DISABLE, 155)),
            Ok(Effect::ClkDisable(155))
        );
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::SET_RATE, 155)),
            Ok(Effect::ClkChange(155))
        );
        // Enable-only: enable and disable, nothing else with an effect.
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::ENABLE, 102)),
            Ok(Effect::ClkEnable(102))
        );
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::DISABLE, 41)),
            Ok(Effect::ClkDisable(41))
        );
        for cmd in [clk::SET_RATE, clk::SET_PARENT] {
            assert!(p.check(abi::MRQ_CLK, &clk(cmd, 102)).is_err());
        }
        // Read-only and unknown clocks: every query, no state change.
        for id in [40, 7, 4000] {
            for cmd in [
                clk::GET_RATE,
                clk::GET_PARENT,
                clk::IS_ENABLED,
                clk::ROUND_RATE,
                clk::GET_FMAX_AT_VMIN,
            ] {
                assert_eq!(p.check(abi::MRQ_CLK, &clk(cmd, id)), Ok(Effect::None));
            }
            assert_eq!(
                p.check(abi::MRQ_CLK, &clk(clk::GET_ALL_INFO, id)),
                Ok(Effect::ClkInfo(ClockClass::ReadOnly))
            );
            for cmd in [clk::ENABLE, clk::DISABLE, clk::SET_RATE, clk::SET_PARENT] {
                assert_eq!(
                    p.check(abi::MRQ_CLK, &clk(cmd, id)),
                    Err(Denial::Clock {
                        cmd,
                        id,
                        class: ClockClass::ReadOnly
                    })
                );
            }
        }
        assert!(p.check(abi::MRQ_CLK, &clk(0x17, 155)).is_err());
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::GET_MAX_CLK_ID, 0)),
            Ok(Effect::None)
        );
        // Truncated payloads.
        assert_eq!(p.check(abi::MRQ_CLK, &[0; 3]), Err(Denial::Truncated));
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::SET_RATE, 155)[..8]),
            Err(Denial::Truncated)
        );
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::ROUND_RATE, 155)[..8]),
            Err(Denial::Truncated)
        );
    }

    #[test]
    fn set_parent_stays_inside_the_partition() {
        let p = uarta();
        let mut t = clk(clk::SET_PARENT, 155);
        t[4..8].copy_from_slice(&102u32.to_le_bytes());
        assert_eq!(p.check(abi::MRQ_CLK, &t[..8]), Ok(Effect::ClkChange(155)));
        t[4..8].copy_from_slice(&14u32.to_le_bytes());
        assert_eq!(
            p.check(abi::MRQ_CLK, &t[..8]),
            Err(Denial::Parent {
                id: 155,
                parent: 14
            })
        );
        assert_eq!(p.check(abi::MRQ_CLK, &t[..4]), Err(Denial::Truncated));
    }

    #[test]
    fn resets_and_power_domains() {
        let p = uarta();
        assert_eq!(
            p.check(abi::MRQ_RESET, &two(reset::ASSERT, 100)),
            Ok(Effect::ResetAssert(100))
        );
        assert_eq!(
            p.check(abi::MRQ_RESET, &two(reset::DEASSERT, 100)),
            Ok(Effect::ResetRelease(100))
        );
        assert_eq!(
            p.check(abi::MRQ_RESET, &two(reset::MODULE, 100)),
            Ok(Effect::ResetRelease(100))
        );
        assert!(p.check(abi::MRQ_RESET, &two(reset::ASSERT, 101)).is_err());
        assert!(p.check(abi::MRQ_RESET, &two(9, 100)).is_err());
        assert_eq!(
            p.check(abi::MRQ_RESET, &two(reset::GET_MAX_ID, 0)),
            Ok(Effect::None)
        );
        assert_eq!(
            p.check(abi::MRQ_RESET, &two(reset::ASSERT, 100)[..4]),
            Err(Denial::Truncated)
        );

        let mut t = two(pg::SET_STATE, 3);
        t[8..].copy_from_slice(&pg::STATE_ON.to_le_bytes());
        assert_eq!(p.check(abi::MRQ_PG, &t), Ok(Effect::PgOn(3)));
        t[8..].copy_from_slice(&pg::STATE_OFF.to_le_bytes());
        assert_eq!(p.check(abi::MRQ_PG, &t), Ok(Effect::PgOff(3)));
        assert_eq!(p.check(abi::MRQ_PG, &t[..8]), Err(Denial::Truncated));
        t[4..8].copy_from_slice(&4u32.to_le_bytes());
        assert!(p.check(abi::MRQ_PG, &t).is_err());
        // Discovery of every domain.
        for id in [3, 4, 1000] {
            for cmd in [pg::GET_STATE, pg::GET_NAME, pg::GET_MAX_ID, pg::QUERY_ABI] {
                assert_eq!(p.check(abi::MRQ_PG, &two(cmd, id)), Ok(Effect::None));
            }
        }
        assert!(p.check(abi::MRQ_PG, &two(9, 3)).is_err());
    }

    #[test]
    fn empty_policy_denies_every_state_change() {
        let p = Policy::default();
        for mrq in 0..256u32 {
            let r = p.check(mrq, &[0; 16]);
            let free = matches!(
                mrq,
                abi::MRQ_PING | abi::MRQ_THREADED_PING | abi::MRQ_QUERY_ABI | abi::MRQ_QUERY_FW_TAG
            );
            if free {
                assert!(r.is_ok());
            } else if mrq == abi::MRQ_CLK || mrq == abi::MRQ_RESET || mrq == abi::MRQ_PG {
                // Command 0 is a command only for MRQ_PG (CMD_PG_QUERY_ABI).
                assert_eq!(r.is_ok(), mrq == abi::MRQ_PG);
            } else {
                assert!(r.is_err());
            }
        }
        for id in 0..1024u32 {
            for cmd in [clk::ENABLE, clk::DISABLE, clk::SET_RATE, clk::SET_PARENT] {
                assert!(p.check(abi::MRQ_CLK, &clk(cmd, id)).is_err());
            }
            for cmd in [reset::ASSERT, reset::DEASSERT, reset::MODULE] {
                assert!(p.check(abi::MRQ_RESET, &two(cmd, id)).is_err());
            }
            let mut on = two(pg::SET_STATE, id);
            on[8..].copy_from_slice(&pg::STATE_ON.to_le_bytes());
            assert!(p.check(abi::MRQ_PG, &on).is_err());
        }
    }
}
