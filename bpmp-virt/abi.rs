// SPDX-License-Identifier: GPL-2.0

//! BPMP firmware message ABI: MRQ numbers, sub-commands and error codes.
//!
//! Numbers and layouts are those of `include/soc/tegra/bpmp-abi.h`; all
//! message fields are little-endian and packed.

/// `MRQ_PING`: echo a challenge (reply = challenge << 1).
pub(crate) const MRQ_PING: u32 = 0;
/// `MRQ_QUERY_TAG`: firmware writes its tag to a caller-chosen physical
/// address (deprecated).
pub(crate) const MRQ_QUERY_TAG: u32 = 1;
/// `MRQ_THREADED_PING`.
pub(crate) const MRQ_THREADED_PING: u32 = 9;
/// `MRQ_DEBUGFS`: firmware debugfs.
pub(crate) const MRQ_DEBUGFS: u32 = 19;
/// `MRQ_RESET`: reset lines.
pub(crate) const MRQ_RESET: u32 = 20;
/// `MRQ_CLK`: clocks.
pub(crate) const MRQ_CLK: u32 = 22;
/// `MRQ_QUERY_ABI`: is an MRQ supported.
pub(crate) const MRQ_QUERY_ABI: u32 = 23;
/// `MRQ_EMC_DVFS_LATENCY`.
pub(crate) const MRQ_EMC_DVFS_LATENCY: u32 = 31;
/// `MRQ_PG`: power domains.
pub(crate) const MRQ_PG: u32 = 66;
/// `MRQ_STRAP`.
pub(crate) const MRQ_STRAP: u32 = 68;
/// `MRQ_QUERY_FW_TAG`: firmware tag in the response.
pub(crate) const MRQ_QUERY_FW_TAG: u32 = 71;
/// `MRQ_DEBUG`: firmware debugfs (open/read/write).
pub(crate) const MRQ_DEBUG: u32 = 75;
/// `MRQ_EMC_DVFS_EMCHUB`.
pub(crate) const MRQ_EMC_DVFS_EMCHUB: u32 = 76;
/// `MRQ_BWMGR`.
pub(crate) const MRQ_BWMGR: u32 = 77;
/// `MRQ_ISO_CLIENT`.
pub(crate) const MRQ_ISO_CLIENT: u32 = 78;

/// `MRQ_CLK` sub-commands (bits 31..24 of `cmd_and_id`).
pub(crate) mod clk {
    pub(crate) const GET_RATE: u8 = 1;
    pub(crate) const SET_RATE: u8 = 2;
    pub(crate) const ROUND_RATE: u8 = 3;
    pub(crate) const GET_PARENT: u8 = 4;
    pub(crate) const SET_PARENT: u8 = 5;
    pub(crate) const IS_ENABLED: u8 = 6;
    pub(crate) const ENABLE: u8 = 7;
    pub(crate) const DISABLE: u8 = 8;
    pub(crate) const GET_ALL_INFO: u8 = 14;
    pub(crate) const GET_MAX_CLK_ID: u8 = 15;
    pub(crate) const GET_FMAX_AT_VMIN: u8 = 16;

    /// `BPMP_CLK_HAS_MUX`.
    pub(crate) const HAS_MUX: u32 = 1 << 0;
    /// `BPMP_CLK_HAS_SET_RATE`.
    pub(crate) const HAS_SET_RATE: u32 = 1 << 1;
    /// `BPMP_CLK_IS_ROOT`.
    pub(crate) const IS_ROOT: u32 = 1 << 2;
    /// `MRQ_CLK_NAME_MAXLEN`.
    pub(crate) const NAME_MAXLEN: usize = 40;
    /// `MRQ_CLK_MAX_PARENTS`.
    pub(crate) const MAX_PARENTS: usize = 16;
    /// Size of `struct cmd_clk_get_all_info_response`.
    pub(crate) const ALL_INFO_SIZE: usize = 4 + 4 + 4 * MAX_PARENTS + 1 + NAME_MAXLEN;
}

/// `MRQ_RESET` sub-commands.
pub(crate) mod reset {
    pub(crate) const ASSERT: u32 = 1;
    pub(crate) const DEASSERT: u32 = 2;
    pub(crate) const MODULE: u32 = 3;
    pub(crate) const GET_MAX_ID: u32 = 4;
}

/// `MRQ_PG` sub-commands and states.
pub(crate) mod pg {
    pub(crate) const QUERY_ABI: u32 = 0;
    pub(crate) const SET_STATE: u32 = 1;
    pub(crate) const GET_STATE: u32 = 2;
    pub(crate) const GET_NAME: u32 = 3;
    pub(crate) const GET_MAX_ID: u32 = 4;
    /// `PG_STATE_OFF`.
    pub(crate) const STATE_OFF: u32 = 0;
    /// `PG_STATE_ON`.
    pub(crate) const STATE_ON: u32 = 1;
    /// `PG_STATE_RUNNING`.
    pub(crate) const STATE_RUNNING: u32 = 2;
    /// `MRQ_PG_NAME_MAXLEN`.
    pub(crate) const NAME_MAXLEN: usize = 40;
}

/// BPMP error codes; the firmware returns them negated in `rx.ret`.
pub(crate) mod err {
    pub(crate) const EBADCMD: i32 = 6;
    pub(crate) const ENODEV: i32 = 19;
    pub(crate) const EINVAL: i32 = 22;
}

/// Reads the little-endian `u32` at byte `off` of `buf`, if present.
pub(crate) fn le_u32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the little-endian `i64` at byte `off` of `buf`, if present.
pub(crate) fn le_i64(buf: &[u8], off: usize) -> Option<i64> {
    let b = buf.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(i64::from_le_bytes(a))
}
