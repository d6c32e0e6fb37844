// The sysfs writes that carry out a decision (device-acceptance.md §3.1, §6; Documentation/
// ABI/testing/sysfs-bus-pci and sysfs-kernel-iommu_groups). Pure: from the device's state
// now to a list of writes; `agent` without --apply prints exactly this list.
//   allow   [iommu_groups/N/type ← DMA|DMA-FQ|identity]  (only with one device and no driver)
//           driver_override ← DRIVER; [drivers/CUR/unbind ← BDF]; drivers/DRIVER/bind ← BDF
//           or, without a driver option: [driver_override ← "" to clear a hold]; drivers_probe ← BDF
//   block   [drivers/CUR/unbind ← BDF]; driver_override ← none   (hold: nothing binds it)
//   reject  [drivers/CUR/unbind ← BDF]; remove ← 1                (gone until a rescan/replug)
// What the kernel cannot gate today is said as a note, never pretended.
import type { AgentDevice } from './device.js';
import type { Decision } from './decide.js';

export interface SysfsWriteStep {
  /** Relative to ROOT, e.g. "sys/bus/pci/drivers_probe". */
  readonly path: string;
  readonly value: string;
  readonly why: string;
}

export interface Plan {
  readonly bdf: string;
  readonly writes: readonly SysfsWriteStep[];
  readonly notes: readonly string[];
}

const DOMAIN_SYSFS: Record<string, string> = { dma: 'DMA', 'dma-fq': 'DMA-FQ', identity: 'identity' };

/** Before any decision in enforcing mode: stop the kernel binding new devices by itself. */
export const AUTOPROBE_OFF: SysfsWriteStep = { path: 'sys/bus/pci/drivers_autoprobe', value: '0', why: 'secure mode: no driver binds a new device until the agent accepts it (bus_probe_device tests drivers_autoprobe)' };

export function planFor(dec: Decision, d: AgentDevice, iommu: string | null): Plan {
  const dev = `sys/bus/pci/devices/${d.bdf}`;
  const writes: SysfsWriteStep[] = [];
  const notes: string[] = [];
  const unbind = (why: string): void => {
    if (d.driver !== null) writes.push({ path: `sys/bus/pci/drivers/${d.driver}/unbind`, value: d.bdf, why });
  };
  switch (dec.target) {
    case 'keep':
      notes.push('keep: left as it is');
      break;
    case 'allow': {
      const o = dec.options;
      if (o.domain !== undefined) {
        if (d.group === null) notes.push(`domain ${o.domain}: no IOMMU group, nothing to set`);
        else if (d.groupSize !== 1) notes.push(`domain ${o.domain}: group ${d.group} has ${d.groupSize ?? '?'} devices; the kernel changes a group's type only for a single-device group (iommu_group_store_type)`);
        else if (d.driver !== null) notes.push(`domain ${o.domain}: ${d.driver} is bound; the kernel changes the type only with no driver bound`);
        else writes.push({ path: `sys/kernel/iommu_groups/${d.group}/type`, value: DOMAIN_SYSFS[o.domain], why: `default domain ${DOMAIN_SYSFS[o.domain]} before the driver binds` });
      }
      if (o.driver !== undefined) {
        if (d.driver === o.driver) {
          notes.push(`${o.driver} already bound`);
          break;
        }
        writes.push({ path: `${dev}/driver_override`, value: o.driver, why: `only ${o.driver} may bind` });
        unbind(`bound to ${d.driver}, the rule wants ${o.driver}`);
        writes.push({ path: `sys/bus/pci/drivers/${o.driver}/bind`, value: d.bdf, why: `accept: bind ${o.driver} (D3 step 5)` });
      } else if (d.driver === null) {
        if (d.driverOverride !== null) writes.push({ path: `${dev}/driver_override`, value: '', why: `clear the hold (${d.driverOverride})` });
        writes.push({ path: 'sys/bus/pci/drivers_probe', value: d.bdf, why: 'accept: probe with normal driver matching (D3 step 5)' });
      } else notes.push(`already bound to ${d.driver}`);
      if (o.atsOptIn === true) {
        notes.push('ats opt-in: no mainline kernel interface exists for a per-device ATS opt-in (D1 is a proposal); recorded, not enforced');
      }
      if (iommu === 'intel' && d.caps?.has('ats') === true) {
        notes.push('Intel VT-d scalable mode enables ATS at IOMMU probe, before any driver binds (intel_iommu_probe_device, R5.13): withholding the driver does not gate ATS');
      }
      break;
    }
    case 'block':
      unbind('block: release the bound driver');
      if (d.driverOverride !== 'none') writes.push({ path: `${dev}/driver_override`, value: 'none', why: 'hold: no driver may bind (driver_override names no driver)' });
      if (d.driver !== null) notes.push("after unbind the group goes back to the kernel's resting domain; it is not blocked unless the kernel parks devices (boot DMA security is a proposal)");
      break;
    case 'reject':
      unbind('reject: release the bound driver first');
      writes.push({ path: `${dev}/remove`, value: '1', why: 'reject: remove the function (it returns on rescan or replug)' });
      break;
  }
  if (dec.target !== 'keep' && d.caps?.has('ats') === true && dec.target !== 'allow' && iommu === 'intel') {
    notes.push('Intel VT-d scalable mode enabled ATS at IOMMU probe, whatever the agent decides (intel_iommu_probe_device, R5.13)');
  }
  return { bdf: d.bdf, writes, notes };
}
