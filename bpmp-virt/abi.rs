// SPDX-License-Identifier: GPL-2.0

//! BPMP firmware message ABI: MRQ numbers, sub-commands, flags and error
//! codes, taken from `include/soc/tegra/bpmp-abi.h` through `bindings::`
//! (the header is part of the kernel crate's bindings, see
//! `rust/bindings/bpmp.h`). All message fields are little-endian and packed.

use kernel::bindings;

pub(crate) use bindings::{
    MRQ_CLK, MRQ_DEBUG, MRQ_DEBUGFS, MRQ_PG, MRQ_PING, MRQ_QUERY_ABI, MRQ_QUERY_FW_TAG,
    MRQ_QUERY_TAG, MRQ_RESET, MRQ_THREADED_PING,
};

// Items marked `#[cfg(CONFIG_BPMP_VIRT_MODEL)]` are used only by the
// in-kernel firmware model.

/// SoC-wide MRQs the model knows to exist but does not serve (also named by
/// the policy's KUnit tests).
#[cfg(any(CONFIG_BPMP_VIRT_MODEL, CONFIG_BPMP_VIRT_KUNIT_TEST))]
pub(crate) use bindings::{
    MRQ_BWMGR, MRQ_EMC_DVFS_EMCHUB, MRQ_EMC_DVFS_LATENCY, MRQ_ISO_CLIENT, MRQ_STRAP,
};

/// `MRQ_CLK` sub-commands (bits 31..24 of `cmd_and_id`) and clock flags.
pub(crate) mod clk {
    use kernel::bindings;

    pub(crate) const GET_RATE: u8 = bindings::mrq_clk_commands_CMD_CLK_GET_RATE as u8;
    pub(crate) const SET_RATE: u8 = bindings::mrq_clk_commands_CMD_CLK_SET_RATE as u8;
    pub(crate) const ROUND_RATE: u8 = bindings::mrq_clk_commands_CMD_CLK_ROUND_RATE as u8;
    pub(crate) const GET_PARENT: u8 = bindings::mrq_clk_commands_CMD_CLK_GET_PARENT as u8;
    pub(crate) const SET_PARENT: u8 = bindings::mrq_clk_commands_CMD_CLK_SET_PARENT as u8;
    pub(crate) const IS_ENABLED: u8 = bindings::mrq_clk_commands_CMD_CLK_IS_ENABLED as u8;
    pub(crate) const ENABLE: u8 = bindings::mrq_clk_commands_CMD_CLK_ENABLE as u8;
    pub(crate) const DISABLE: u8 = bindings::mrq_clk_commands_CMD_CLK_DISABLE as u8;
    pub(crate) const GET_ALL_INFO: u8 = bindings::mrq_clk_commands_CMD_CLK_GET_ALL_INFO as u8;
    pub(crate) const GET_MAX_CLK_ID: u8 = bindings::mrq_clk_commands_CMD_CLK_GET_MAX_CLK_ID as u8;
    pub(crate) const GET_FMAX_AT_VMIN: u8 =
        bindings::mrq_clk_commands_CMD_CLK_GET_FMAX_AT_VMIN as u8;

    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const HAS_MUX: u32 = bindings::BPMP_CLK_HAS_MUX;
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const HAS_SET_RATE: u32 = bindings::BPMP_CLK_HAS_SET_RATE;
    pub(crate) const IS_ROOT: u32 = bindings::BPMP_CLK_IS_ROOT;
    /// The clock's rate and parent may not be changed (`clk-bpmp` then
    /// registers it with gate-only or read-only operations).
    pub(crate) const RATE_PARENT_CHANGE_DENIED: u32 = bindings::BPMP_CLK_RATE_PARENT_CHANGE_DENIED;
    /// The clock may not be enabled or disabled (set together with
    /// [`RATE_PARENT_CHANGE_DENIED`]: read-only operations).
    pub(crate) const STATE_CHANGE_DENIED: u32 = bindings::BPMP_CLK_STATE_CHANGE_DENIED;
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const NAME_MAXLEN: usize = bindings::MRQ_CLK_NAME_MAXLEN as usize;
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const MAX_PARENTS: usize = bindings::MRQ_CLK_MAX_PARENTS as usize;
    /// `struct cmd_clk_get_all_info_response` (packed, 113 bytes).
    pub(crate) type AllInfo = bindings::cmd_clk_get_all_info_response;
    pub(crate) const ALL_INFO_SIZE: usize = core::mem::size_of::<AllInfo>();
}

/// `MRQ_RESET` sub-commands.
pub(crate) mod reset {
    use kernel::bindings;

    pub(crate) const ASSERT: u32 = bindings::mrq_reset_commands_CMD_RESET_ASSERT;
    pub(crate) const DEASSERT: u32 = bindings::mrq_reset_commands_CMD_RESET_DEASSERT;
    pub(crate) const MODULE: u32 = bindings::mrq_reset_commands_CMD_RESET_MODULE;
    pub(crate) const GET_MAX_ID: u32 = bindings::mrq_reset_commands_CMD_RESET_GET_MAX_ID;
}

/// `MRQ_PG` sub-commands and states.
pub(crate) mod pg {
    use kernel::bindings;

    pub(crate) const QUERY_ABI: u32 = bindings::mrq_pg_cmd_CMD_PG_QUERY_ABI;
    pub(crate) const SET_STATE: u32 = bindings::mrq_pg_cmd_CMD_PG_SET_STATE;
    pub(crate) const GET_STATE: u32 = bindings::mrq_pg_cmd_CMD_PG_GET_STATE;
    pub(crate) const GET_NAME: u32 = bindings::mrq_pg_cmd_CMD_PG_GET_NAME;
    pub(crate) const GET_MAX_ID: u32 = bindings::mrq_pg_cmd_CMD_PG_GET_MAX_ID;
    pub(crate) const STATE_OFF: u32 = bindings::pg_states_PG_STATE_OFF;
    pub(crate) const STATE_ON: u32 = bindings::pg_states_PG_STATE_ON;
    pub(crate) const STATE_RUNNING: u32 = bindings::pg_states_PG_STATE_RUNNING;
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const NAME_MAXLEN: usize = bindings::MRQ_PG_NAME_MAXLEN as usize;
}

/// BPMP error codes; the firmware returns them negated in `rx.ret`.
pub(crate) mod err {
    use kernel::bindings;

    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const EBADCMD: i32 = bindings::BPMP_EBADCMD as i32;
    pub(crate) const ENODEV: i32 = bindings::BPMP_ENODEV as i32;
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    pub(crate) const EINVAL: i32 = bindings::BPMP_EINVAL as i32;
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
