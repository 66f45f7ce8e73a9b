// SPDX-License-Identifier: GPL-2.0

//! The `nvidia,bpmp-host-proxy` platform driver and its device nodes.
//!
//! Two node layouts are served, side by side and as many nodes as wanted:
//!
//! - ours: one node whose own `allowed-*` lists form its default partition
//!   and whose `partition-<name>` children are further partitions
//!   (`/dev/bpmp-host-<name>`);
//! - Ghaf's (jetpack-nixos `modules/orin-virtualization.nix`): one
//!   `bpmp-host-proxy-<name>` node per consumer, with a `device-name`
//!   (`"bpmp-host-<name>"`) and its lists.
//!
//! A node's default partition is `/dev/<device-name>`, or `/dev/bpmp-host`
//! (what Ghaf's QEMU `nvidia_bpmp_guest` device opens) without one.
//!
//! The firmware endpoint is what the optional `nvidia,bpmp` phandle points
//! at; without it, the BPMP is found by its compatible as Ghaf's proxy does
//! (`nvidia,tegra186-bpmp`, which every Tegra186/194/234 BPMP node carries)
//! or, in test kernels, the in-kernel model (`ghaf,bpmp-model`).
//!
//! Each device node owns its partition through its misc registration
//! ([`MiscDeviceDataRegistration`]): `open` finds the partition there, so a
//! probe that fails after registering some nodes drops them again and
//! leaves nothing behind to open.

use kernel::{
    debugfs,
    device::{property::FwNode, Core, Device},
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    iov_user::write_user_buffer,
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    miscdevice_ext::{MiscDeviceData, MiscDeviceDataRegistration, MiscDeviceName},
    of, platform,
    prelude::*,
    str::CString,
    sync::aref::ARef,
    sync::Arc,
    tegra_bpmp,
    transmute::FromBytes,
    uaccess::UserSlice,
};

use crate::{
    partition::{Partition, StatsView},
    policy::Policy,
    transport::Backend,
    wire::{self, WireMessage},
    REGISTRY,
};

/// Longest partition name accepted from `partition-<name>`.
const MAX_NAME: usize = 32;
/// Longest `device-name` accepted.
const MAX_DEVICE_NAME: usize = 48;
/// Most ids accepted in one `allowed-*` list.
const MAX_IDS: usize = 1024;

/// The proxy platform driver.
pub(crate) struct ProxyDriver;

kernel::of_device_table!(
    OF_TABLE,
    <ProxyDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"nvidia,bpmp-host-proxy"), ())]
);

/// One partition's device node and debugfs file.
struct PartitionNode {
    misc: Pin<KBox<MiscDeviceDataRegistration<BpmpHostFile>>>,
    _stats: Pin<KBox<debugfs::File<StatsView>>>,
}

/// Driver data of a bound proxy node.
pub(crate) struct ProxyDevice {
    // Dropped first: the device nodes go before their debugfs files.
    _nodes: KVec<PartitionNode>,
}

fn read_ids(dev: &Device, node: &FwNode, prop: &CStr) -> Result<KVec<u32>> {
    if !node.property_present(prop) {
        return Ok(KVec::new());
    }
    let n = node.property_count_elem::<u32>(prop)?;
    if n > MAX_IDS {
        dev_err!(dev, "{}: more than {} ids\n", prop, MAX_IDS);
        return Err(EINVAL);
    }
    if n == 0 {
        return Ok(KVec::new());
    }
    node.property_read_array_vec::<u32>(prop, n)?
        .required_by(dev)
}

fn read_policy(dev: &Device, node: &FwNode) -> Result<Policy> {
    let policy = Policy {
        clocks: read_ids(dev, node, c"allowed-clocks")?,
        enable_only_clocks: read_ids(dev, node, c"allowed-enable-only-clocks")?,
        read_only_clocks: read_ids(dev, node, c"allowed-read-only-clocks")?,
        resets: read_ids(dev, node, c"allowed-resets")?,
        power_domains: read_ids(dev, node, c"allowed-power-domains")?,
        mrqs: read_ids(dev, node, c"allowed-mrqs")?,
    };
    // A clock in two classes is a mistake in the device tree: refuse it
    // rather than guess which one was meant.
    let lists = [
        &policy.clocks,
        &policy.enable_only_clocks,
        &policy.read_only_clocks,
    ];
    for (i, a) in lists.iter().enumerate() {
        for b in lists.iter().skip(i + 1) {
            if let Some(id) = a.iter().find(|id| b.contains(id)) {
                dev_err!(
                    dev,
                    "{}: clock {} is in two allowed-*clocks lists\n",
                    node.display_name(),
                    id
                );
                return Err(EINVAL);
            }
        }
    }
    Ok(policy)
}

fn name_ok(name: &[u8], max: usize) -> bool {
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_';
    !name.is_empty() && name.len() <= max && name.iter().all(ok)
}

/// The partition name of a `partition-<name>` child, `None` for other
/// children; `EINVAL` for an empty, long or odd name.
fn partition_name(child: &FwNode) -> Result<Option<CString>> {
    let full = CString::try_from_fmt(fmt!("{}", child.display_name()))?;
    let Some(name) = full.to_bytes().strip_prefix(b"partition-") else {
        return Ok(None);
    };
    if !name_ok(name, MAX_NAME) {
        return Err(EINVAL);
    }
    let name = core::str::from_utf8(name).map_err(|_| EINVAL)?;
    Ok(Some(CString::try_from_fmt(fmt!("bpmp-host-{}", name))?))
}

/// The device name of a node's default partition: its `device-name`
/// (Ghaf's layout) or `bpmp-host`.
fn default_name(dev: &Device, node: &FwNode) -> Result<CString> {
    if !node.property_present(c"device-name") {
        return CString::try_from_fmt(fmt!("bpmp-host"));
    }
    let name = node
        .property_read::<CString>(c"device-name")
        .required_by(dev)?;
    if !name_ok(name.to_bytes(), MAX_DEVICE_NAME) {
        dev_err!(
            dev,
            "device-name \"{}\" is not [a-z0-9_-]{{1,48}}\n",
            name.to_str().unwrap_or("?")
        );
        return Err(EINVAL);
    }
    Ok(name)
}

/// The firmware node this proxy serves: its `nvidia,bpmp` phandle, else the
/// first available BPMP node, else (test kernels) the first model node.
fn firmware_node(dev: &Device, node: &FwNode) -> Result<ARef<FwNode>> {
    if node.property_present(c"nvidia,bpmp") {
        return node.find_reference(c"nvidia,bpmp", 0).inspect_err(|_| {
            dev_err!(dev, "invalid nvidia,bpmp phandle\n");
        });
    }
    if let Some(bpmp) = FwNode::find_available_compatible(c"nvidia,tegra186-bpmp") {
        return Ok(bpmp);
    }
    #[cfg(CONFIG_BPMP_VIRT_MODEL)]
    if let Some(model) = FwNode::find_available_compatible(c"ghaf,bpmp-model") {
        return Ok(model);
    }
    dev_err!(dev, "no nvidia,bpmp phandle and no BPMP node\n");
    Err(ENODEV)
}

/// Finds the firmware endpoint for the node `target`.
fn backend(dev: &Device, target: &FwNode) -> Result<Backend> {
    if target
        .property_match_string(c"compatible", c"ghaf,bpmp-model")
        .is_ok()
    {
        #[cfg(CONFIG_BPMP_VIRT_MODEL)]
        {
            let reg = REGISTRY.lock();
            return match reg
                .models
                .iter()
                .find(|(k, _)| *k == crate::node_key(target))
            {
                Some((_, m)) => Ok(Backend::Model(m.clone())),
                None => Err(EPROBE_DEFER),
            };
        }
        #[cfg(not(CONFIG_BPMP_VIRT_MODEL))]
        {
            dev_err!(
                dev,
                "the BPMP is a firmware model, but BPMP_VIRT_MODEL is off\n"
            );
            return Err(ENODEV);
        }
    }
    #[cfg(CONFIG_TEGRA_BPMP)]
    {
        let bpmp = tegra_bpmp::Bpmp::get_by_node(target).inspect_err(|e| {
            if *e != EPROBE_DEFER {
                dev_err!(dev, "cannot use the BPMP: {:?}\n", e);
            }
        })?;
        Ok(Backend::Firmware(Arc::new(bpmp, GFP_KERNEL)?))
    }
    #[cfg(not(CONFIG_TEGRA_BPMP))]
    {
        dev_err!(dev, "the BPMP is no firmware model and TEGRA_BPMP is off\n");
        Err(ENODEV)
    }
}

fn add_partition(
    nodes: &mut KVec<PartitionNode>,
    name: CString,
    policy: Policy,
    backend: Backend,
) -> Result {
    let part = Partition::new(name, policy, backend)?;
    let stats = {
        let reg = REGISTRY.lock();
        let sub = reg.debugfs.as_ref().ok_or(ENODEV)?.subdir(part.name());
        KBox::pin_init(
            sub.read_only_file(c"stats", StatsView(part.clone())),
            GFP_KERNEL,
        )?
    };
    let dev_name = CString::try_from_fmt(fmt!("{}", part.name()))?;
    let misc = KBox::pin_init(
        MiscDeviceDataRegistration::register(MiscDeviceName::Owned(dev_name), part),
        GFP_KERNEL,
    )?;
    nodes.push(
        PartitionNode {
            misc,
            _stats: stats,
        },
        GFP_KERNEL,
    )?;
    Ok(())
}

impl platform::Driver for ProxyDriver {
    type IdInfo = ();
    type Data<'bound> = ProxyDevice;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let dev: &Device = pdev.as_ref();
        let node = dev.fwnode().ok_or(ENODEV)?;
        let backend = backend(dev, &*firmware_node(dev, node)?)?;
        // Built up locally: an error below drops every node registered so
        // far (deregistering it) before probe returns.
        let mut nodes = KVec::new();
        add_partition(
            &mut nodes,
            default_name(dev, node)?,
            read_policy(dev, node)?,
            backend.clone(),
        )?;
        for child in node.children() {
            let Some(name) = partition_name(&child).inspect_err(|_| {
                dev_err!(dev, "bad partition node name {}\n", child.display_name());
            })?
            else {
                continue;
            };
            add_partition(&mut nodes, name, read_policy(dev, &child)?, backend.clone())?;
        }
        for n in nodes.iter() {
            dev_info!(dev, "/dev/{}\n", n.misc.name());
        }
        Ok(ProxyDevice { _nodes: nodes })
    }
}

/// An open file of a partition's device node.
pub(crate) struct BpmpHostFile {
    part: Arc<Partition>,
}

// SAFETY: `BpmpHostFile` is only registered through
// `MiscDeviceDataRegistration` (`add_partition()`).
unsafe impl MiscDeviceData for BpmpHostFile {
    type RegistrationData = Arc<Partition>;
}

impl BpmpHostFile {
    /// Serves one wire message `msg` whose user address is `msg_addr`.
    fn serve(&self, msg: &WireMessage, msg_addr: UserPtr) -> Result {
        let msg = msg.check()?;
        // Like `tegra_bpmp_message_valid()` (and so like Ghaf's proxy, which
        // hands the sizes to `tegra_bpmp_transfer()`): a request or an
        // answer window larger than one firmware message fails the message.
        if msg.tx_size > tegra_bpmp::MSG_DATA_MAX || msg.rx_size > tegra_bpmp::MSG_DATA_MAX {
            return Err(EINVAL);
        }
        let mut tx = [0u8; tegra_bpmp::MSG_DATA_MAX];
        let tx = &mut tx[..msg.tx_size];
        if !tx.is_empty() {
            UserSlice::new(UserPtr::from_addr(msg.tx_data as usize), tx.len())
                .reader()
                .read_slice(tx)?;
        }
        let mut rx = [0u8; tegra_bpmp::MSG_DATA_MAX];
        let (ret, len) = self.part.request(msg.mrq, tx, &mut rx[..msg.rx_size])?;
        if len > msg.rx_size {
            return Err(EOVERFLOW);
        }
        if len > 0 {
            UserSlice::new(UserPtr::from_addr(msg.rx_data as usize), len)
                .writer()
                .write_slice(&rx[..len])?;
        }
        let out = wire::rx_result(len, ret);
        UserSlice::new(msg_addr.wrapping_byte_add(wire::RX_SIZE_OFFSET), out.len())
            .writer()
            .write_slice(&out)
    }
}

#[vtable]
impl MiscDevice for BpmpHostFile {
    type Ptr = KBox<Self>;

    fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        let part = MiscDeviceDataRegistration::data_of(misc).clone();
        part.open()?;
        match KBox::new(BpmpHostFile { part: part.clone() }, GFP_KERNEL) {
            Ok(f) => Ok(f),
            Err(e) => {
                part.close();
                Err(e.into())
            }
        }
    }

    fn release(device: KBox<Self>, _file: &File) {
        device.part.close();
    }

    fn write_iter(kiocb: Kiocb<'_, KBox<Self>>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let this = kiocb.file();
        // The message is read from, and its result written back to, the
        // caller's buffer: only a plain write() of exactly one message.
        let (addr, len) = write_user_buffer(iov).ok_or(EINVAL)?;
        if len != wire::WIRE_SIZE {
            return Err(EINVAL);
        }
        let mut raw = [0u8; wire::WIRE_SIZE];
        if iov.copy_from_iter(&mut raw) != wire::WIRE_SIZE {
            return Err(EFAULT);
        }
        let msg = WireMessage::from_bytes_copy(&raw).ok_or(EINVAL)?;
        this.serve(&msg, addr)?;
        Ok(wire::WIRE_SIZE)
    }

    fn read_iter(_kiocb: Kiocb<'_, KBox<Self>>, _iov: &mut IovIterDest<'_>) -> Result<usize> {
        // Answers come back through write(); there is nothing to read.
        Err(EINVAL)
    }
}
