// SPDX-License-Identifier: GPL-2.0

//! The deny-by-default policy engine: decodes a request's MRQ and payload
//! (full ABI field widths) and decides whether a partition may send it.
//!
//! - `MRQ_PING`, `MRQ_THREADED_PING`, `MRQ_QUERY_ABI` and `MRQ_QUERY_FW_TAG`
//!   have no side effects and are always allowed.
//! - `MRQ_QUERY_TAG` (firmware writes to a caller-chosen physical address),
//!   `MRQ_DEBUG` and `MRQ_DEBUGFS` are always denied, even if listed in
//!   `allowed-mrqs`.
//! - `MRQ_CLK`, `MRQ_RESET` and `MRQ_PG` are allowed per id and per command
//!   class: clocks in `allowed-clocks` take every command, clocks in
//!   `allowed-read-only-clocks` only queries; `SET_PARENT` also needs the new
//!   parent to be visible to the partition. The id-less `GET_MAX_*` queries
//!   are always allowed.
//! - Any other MRQ (the SoC-wide ones: `MRQ_STRAP`, `MRQ_BWMGR`,
//!   `MRQ_ISO_CLIENT`, `MRQ_EMC_DVFS_*`, ...) only if listed in
//!   `allowed-mrqs`.

use kernel::prelude::*;

use crate::abi::{self, clk, le_u32, pg, reset};

/// A partition's allow-lists, from the device tree.
#[derive(Default)]
pub(crate) struct Policy {
    pub(crate) clocks: KVec<u32>,
    pub(crate) read_only_clocks: KVec<u32>,
    pub(crate) resets: KVec<u32>,
    pub(crate) power_domains: KVec<u32>,
    pub(crate) mrqs: KVec<u32>,
}

/// The state change an allowed request asks for; the partition tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// No tracked state change.
    None,
    /// `CMD_CLK_ENABLE` of a clock.
    ClkEnable(u32),
    /// `CMD_CLK_DISABLE` of a clock.
    ClkDisable(u32),
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
    /// A clock not in the partition (or a read-only one for a control
    /// command, or an unknown sub-command).
    Clock { cmd: u8, id: u32 },
    /// `SET_PARENT` onto a clock the partition cannot see.
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

    fn clk_visible(&self, id: u32) -> bool {
        Self::has(&self.clocks, id) || Self::has(&self.read_only_clocks, id)
    }

    /// Decides whether `mrq` with payload `tx` may be forwarded.
    pub(crate) fn check(&self, mrq: u32, tx: &[u8]) -> Result<Effect, Denial> {
        match mrq {
            abi::MRQ_PING | abi::MRQ_THREADED_PING | abi::MRQ_QUERY_ABI | abi::MRQ_QUERY_FW_TAG => {
                Ok(Effect::None)
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
        let deny = Denial::Clock { cmd, id };
        match cmd {
            clk::GET_MAX_CLK_ID => Ok(Effect::None),
            clk::GET_RATE
            | clk::ROUND_RATE
            | clk::GET_PARENT
            | clk::IS_ENABLED
            | clk::GET_ALL_INFO
            | clk::GET_FMAX_AT_VMIN => {
                if self.clk_visible(id) {
                    Ok(Effect::None)
                } else {
                    Err(deny)
                }
            }
            clk::SET_RATE | clk::SET_PARENT | clk::ENABLE | clk::DISABLE => {
                if !Self::has(&self.clocks, id) {
                    return Err(deny);
                }
                match cmd {
                    clk::ENABLE => Ok(Effect::ClkEnable(id)),
                    clk::DISABLE => Ok(Effect::ClkDisable(id)),
                    clk::SET_RATE => {
                        // `struct cmd_clk_set_rate_request`: unused, rate.
                        if tx.len() < 16 {
                            return Err(Denial::Truncated);
                        }
                        Ok(Effect::None)
                    }
                    _ => {
                        let parent = le_u32(tx, 4).ok_or(Denial::Truncated)?;
                        if self.clk_visible(parent) {
                            Ok(Effect::None)
                        } else {
                            Err(Denial::Parent { id, parent })
                        }
                    }
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
            pg::GET_MAX_ID | pg::QUERY_ABI => Ok(Effect::None),
            pg::GET_STATE | pg::GET_NAME | pg::SET_STATE if Self::has(&self.power_domains, id) => {
                if cmd != pg::SET_STATE {
                    return Ok(Effect::None);
                }
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
            clocks: list(&[155, 102]),
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
        for mrq in [
            abi::MRQ_PING,
            abi::MRQ_THREADED_PING,
            abi::MRQ_QUERY_ABI,
            abi::MRQ_QUERY_FW_TAG,
        ] {
            assert_eq!(p.check(mrq, &[]), Ok(Effect::None));
        }
    }

    #[test]
    fn dangerous_mrqs_always_denied() {
        let mut p = uarta();
        p.mrqs = list(&[abi::MRQ_QUERY_TAG, abi::MRQ_DEBUG, abi::MRQ_DEBUGFS]);
        for mrq in [abi::MRQ_QUERY_TAG, abi::MRQ_DEBUG, abi::MRQ_DEBUGFS] {
            assert_eq!(p.check(mrq, &[0; 16]), Err(Denial::Forbidden));
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
            Ok(Effect::None)
        );
        // Read-only clock: queries only.
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::GET_RATE, 40)),
            Ok(Effect::None)
        );
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::IS_ENABLED, 40)),
            Ok(Effect::None)
        );
        assert_eq!(
            p.check(abi::MRQ_CLK, &clk(clk::DISABLE, 40)),
            Err(Denial::Clock {
                cmd: clk::DISABLE,
                id: 40
            })
        );
        // Unknown clock, unknown command, id-less query.
        assert!(p.check(abi::MRQ_CLK, &clk(clk::GET_RATE, 41)).is_err());
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
    }

    #[test]
    fn set_parent_needs_visible_parent() {
        let p = uarta();
        let mut t = clk(clk::SET_PARENT, 155);
        t[4..8].copy_from_slice(&102u32.to_le_bytes());
        assert_eq!(p.check(abi::MRQ_CLK, &t[..8]), Ok(Effect::None));
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
        assert_eq!(
            p.check(abi::MRQ_PG, &two(pg::GET_STATE, 3)),
            Ok(Effect::None)
        );
        assert!(p.check(abi::MRQ_PG, &two(pg::GET_STATE, 4)).is_err());
        assert_eq!(
            p.check(abi::MRQ_PG, &two(pg::GET_MAX_ID, 0)),
            Ok(Effect::None)
        );
    }

    #[test]
    fn empty_policy_denies_everything_else() {
        let p = Policy::default();
        for mrq in 0..256u32 {
            let r = p.check(mrq, &[0; 16]);
            let free = matches!(
                mrq,
                abi::MRQ_PING | abi::MRQ_THREADED_PING | abi::MRQ_QUERY_ABI | abi::MRQ_QUERY_FW_TAG
            );
            if free {
                assert_eq!(r, Ok(Effect::None));
            } else if mrq == abi::MRQ_CLK || mrq == abi::MRQ_RESET || mrq == abi::MRQ_PG {
                // Command 0 is not an id-less query for any of them, except
                // CMD_PG_QUERY_ABI.
                assert_eq!(r.is_ok(), mrq == abi::MRQ_PG);
            } else {
                assert!(r.is_err());
            }
        }
        for id in 0..1024u32 {
            for cmd in [
                clk::GET_RATE,
                clk::ENABLE,
                clk::DISABLE,
                clk::SET_RATE,
                clk::GET_ALL_INFO,
            ] {
                assert!(p.check(abi::MRQ_CLK, &clk(cmd, id)).is_err());
            }
        }
    }
}
