// SPDX-License-Identifier: GPL-2.0

//! The `nvidia,bpmp-host-proxy` platform driver and its device nodes.
//!
//! The node's own `allowed-*` lists form the default partition behind
//! `/dev/bpmp-host`; every `partition-<name>` child node is a partition
//! behind `/dev/bpmp-host-<name>`. The firmware endpoint is what the
//! required `nvidia,bpmp` phandle points at: a `ghaf,bpmp-model` node
//! selects the in-kernel model, anything else `tegra_bpmp_get()`.

use kernel::{
    debugfs,
    device::{property::FwNode, Core, Device},
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    misc_named::{write_user_buffer, NamedMiscDeviceRegistration},
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    of, platform,
    prelude::*,
    str::CString,
    sync::Arc,
    tegra_bpmp,
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
#[pin_data]
struct PartitionNode {
    #[pin]
    misc: NamedMiscDeviceRegistration<BpmpHostFile>,
    _stats: Pin<KBox<debugfs::File<StatsView>>>,
    part: Arc<Partition>,
}

/// Driver data of a bound proxy node.
pub(crate) struct ProxyDevice {
    nodes: KVec<Pin<KBox<PartitionNode>>>,
    _dir: debugfs::Dir,
}

impl Drop for ProxyDevice {
    fn drop(&mut self) {
        // Forget the device nodes before they are deregistered (when
        // `nodes` drops); an open racing with this fails with ENODEV.
        let mut reg = REGISTRY.lock();
        for n in self.nodes.iter() {
            let key = core::ptr::from_ref(n.misc.registration()) as usize;
            reg.files.retain(|(k, _)| *k != key);
        }
    }
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
    Ok(Policy {
        clocks: read_ids(dev, node, c"allowed-clocks")?,
        read_only_clocks: read_ids(dev, node, c"allowed-read-only-clocks")?,
        resets: read_ids(dev, node, c"allowed-resets")?,
        power_domains: read_ids(dev, node, c"allowed-power-domains")?,
        mrqs: read_ids(dev, node, c"allowed-mrqs")?,
    })
}

/// The partition name of a `partition-<name>` child, `None` for other
/// children; `EINVAL` for an empty, long or odd name.
fn partition_name(child: &FwNode) -> Result<Option<CString>> {
    let full = CString::try_from_fmt(fmt!("{}", child.display_name()))?;
    let bytes = full.to_bytes();
    let Some(name) = bytes.strip_prefix(b"partition-") else {
        return Ok(None);
    };
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_';
    if name.is_empty() || name.len() > MAX_NAME || !name.iter().all(ok) {
        return Err(EINVAL);
    }
    let name = core::str::from_utf8(name).map_err(|_| EINVAL)?;
    Ok(Some(CString::try_from_fmt(fmt!("bpmp-host-{}", name))?))
}

/// Finds the firmware endpoint the `nvidia,bpmp` phandle points at.
fn backend(dev: &Device) -> Result<Backend> {
    let target = tegra_bpmp::phandle_target(dev, c"nvidia,bpmp").inspect_err(|_| {
        dev_err!(dev, "missing or invalid nvidia,bpmp phandle\n");
    })?;
    if target.is_compatible(c"ghaf,bpmp-model") {
        #[cfg(CONFIG_BPMP_VIRT_MODEL)]
        {
            let reg = REGISTRY.lock();
            return match reg.models.iter().find(|(k, _)| *k == target.key()) {
                Some((_, m)) => Ok(Backend::Model(m.clone())),
                None => Err(EPROBE_DEFER),
            };
        }
        #[cfg(not(CONFIG_BPMP_VIRT_MODEL))]
        {
            dev_err!(
                dev,
                "nvidia,bpmp is a firmware model, but BPMP_VIRT_MODEL is off\n"
            );
            return Err(ENODEV);
        }
    }
    #[cfg(CONFIG_TEGRA_BPMP)]
    {
        let bpmp = tegra_bpmp::Bpmp::get(dev)?;
        Ok(Backend::Firmware(Arc::new(bpmp, GFP_KERNEL)?))
    }
    #[cfg(not(CONFIG_TEGRA_BPMP))]
    {
        dev_err!(
            dev,
            "nvidia,bpmp is not a firmware model and TEGRA_BPMP is off\n"
        );
        Err(ENODEV)
    }
}

fn add_partition(
    nodes: &mut KVec<Pin<KBox<PartitionNode>>>,
    dir: &debugfs::Dir,
    name: CString,
    policy: Policy,
    backend: Backend,
) -> Result {
    let part = Partition::new(name, policy, backend)?;
    let dev_name = CString::try_from_fmt(fmt!("{}", part.name()))?;
    let sub = dir.subdir(part.name());
    let stats = KBox::pin_init(
        sub.read_only_file(c"stats", StatsView(part.clone())),
        GFP_KERNEL,
    )?;
    let shared = part.clone();
    let node = KBox::pin_init(
        try_pin_init!(PartitionNode {
            misc <- NamedMiscDeviceRegistration::register(dev_name),
            _stats: stats,
            part: shared,
        }),
        GFP_KERNEL,
    )?;
    let key = core::ptr::from_ref(node.misc.registration()) as usize;
    REGISTRY.lock().files.push((key, part), GFP_KERNEL)?;
    nodes.push(node, GFP_KERNEL)?;
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
        let backend = backend(dev)?;
        let dir = debugfs::Dir::new(c"bpmp-host");
        let mut nodes = KVec::new();
        add_partition(
            &mut nodes,
            &dir,
            CString::try_from_fmt(fmt!("bpmp-host"))?,
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
            add_partition(
                &mut nodes,
                &dir,
                name,
                read_policy(dev, &child)?,
                backend.clone(),
            )?;
        }
        dev_info!(dev, "{} partition(s)\n", nodes.len());
        Ok(ProxyDevice { nodes, _dir: dir })
    }
}

/// An open file of a partition's device node.
pub(crate) struct BpmpHostFile {
    part: Arc<Partition>,
}

impl BpmpHostFile {
    /// Serves one wire message `raw` whose user address is `msg_addr`.
    fn serve(&self, raw: &[u8; wire::WIRE_SIZE], msg_addr: UserPtr) -> Result {
        let msg = WireMessage::decode(raw)?;
        let mut tx = [0u8; wire::MAX_PAYLOAD];
        let tx = &mut tx[..msg.tx_size];
        if !tx.is_empty() {
            UserSlice::new(UserPtr::from_addr(msg.tx_data as usize), tx.len())
                .reader()
                .read_slice(tx)?;
        }
        // The firmware channel carries at most one message's data; larger
        // requests are refused by the transport like tegra_bpmp_transfer().
        let mut rx = [0u8; tegra_bpmp::MSG_DATA_MAX];
        let rx_cap = msg.rx_size.min(tegra_bpmp::MSG_DATA_MAX);
        let (ret, len) = self.part.request(msg.mrq, tx, &mut rx[..rx_cap])?;
        if len > msg.rx_size {
            return Err(EOVERFLOW);
        }
        if len > 0 {
            UserSlice::new(UserPtr::from_addr(msg.rx_data as usize), len)
                .writer()
                .write_slice(&rx[..len])?;
        }
        let out = wire::encode_rx_result(len, ret);
        UserSlice::new(msg_addr.wrapping_byte_add(wire::RX_SIZE_OFFSET), out.len())
            .writer()
            .write_slice(&out)
    }
}

#[vtable]
impl MiscDevice for BpmpHostFile {
    type Ptr = KBox<Self>;

    fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        let key = core::ptr::from_ref(misc) as usize;
        let part = {
            let reg = REGISTRY.lock();
            let (_, p) = reg.files.iter().find(|(k, _)| *k == key).ok_or(ENODEV)?;
            p.clone()
        };
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
        this.serve(&raw, addr)?;
        Ok(wire::WIRE_SIZE)
    }

    fn read_iter(_kiocb: Kiocb<'_, KBox<Self>>, _iov: &mut IovIterDest<'_>) -> Result<usize> {
        // Answers come back through write(); there is nothing to read.
        Err(EINVAL)
    }
}
