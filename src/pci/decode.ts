// decodeFunction: bytes -> PciFunction (types.ts). Header, then the standard walk, then the
// extended walk only after a PCI Express or PCI-X capability (ls-caps.c show_caps:
// can_have_ext_caps), then one decoder per capability of interest. Never throws on bytes.
import { decodeAcs } from './caps/acs.js';
import { decodeAri } from './caps/ari.js';
import { decodeAts } from './caps/ats.js';
import { decodeDsn } from './caps/dsn.js';
import { decodeDvsec } from './caps/dvsec.js';
import { decodeExpress } from './caps/express.js';
import { decodeHeader, PCI_STATUS_CAP_LIST } from './caps/header.js';
import { decodeMsi, decodeMsix, type MsiCap, type MsixCap } from './caps/msi.js';
import { EXT_CAP_NAMES, STD_CAP_NAMES } from './caps/names.js';
import { decodePasid } from './caps/pasid.js';
import { decodePri } from './caps/pri.js';
import { decodeSriov } from './caps/sriov.js';
import { issue, type Decoded } from './config.js';
import type {
  AcsCap, AriCap, AtsCap, Bdf, CapHeader, CapWalkEnd, ConfigIssue, ConfigSpace, DsnCap, DvsecCap, PasidCap, PciFunction, PcieCap, PriCap, SriovCap,
} from './types.js';
import { walkExtCaps, walkStdCaps } from './walk.js';

export const PCI_CAP_ID_PCIX = 0x07;
export const PCI_CAP_ID_EXP = 0x10;

interface Mutable {
  pcie?: PcieCap;
  msi?: MsiCap;
  msix?: MsixCap;
  ats?: AtsCap;
  pasid?: PasidCap;
  pri?: PriCap;
  sriov?: SriovCap;
  ari?: AriCap;
  acs?: AcsCap;
  dsn?: DsnCap;
}

/** Decode one function's config space. */
export function decodeFunction(bdf: Bdf, config: ConfigSpace): PciFunction {
  const issues: ConfigIssue[] = [];
  const h = decodeHeader(config);
  issues.push(...h.issues);
  const header = h.value ?? null;
  const caps: CapHeader[] = [];
  const dvsecs: DvsecCap[] = [];
  const m: Mutable = {};
  let stdEnd: CapWalkEnd = 'end';
  let stdEndOffset: number | undefined;
  let extWalked = false;
  let extEnd: CapWalkEnd = 'end';
  let extEndOffset: number | undefined;
  let extEndVersion: number | undefined;
  const take = <T>(d: Decoded<T>, set: (v: T) => void, what: string, off: number): void => {
    issues.push(...d.issues);
    if (d.value === undefined) return;
    set(d.value);
    void what;
    void off;
  };
  const dup = (what: string, off: number, present: unknown): boolean => {
    if (present === undefined) return false;
    issues.push(issue('BAD_POINTER', off, what, `second ${what} capability at 0x${off.toString(16)} ignored`));
    return true;
  };
  if (header && header.status & PCI_STATUS_CAP_LIST) {
    const w = walkStdCaps(config, header.headerType === 2 ? 0x14 : 0x34);
    issues.push(...w.issues);
    stdEnd = w.end;
    stdEndOffset = w.endOffset;
    let canHaveExt = false;
    for (const c of w.caps) {
      caps.push(c);
      switch (c.id) {
        case PCI_CAP_ID_EXP:
          canHaveExt = true;
          if (!dup('PCIe', c.offset, m.pcie)) take(decodeExpress(config, c.offset), (v) => (m.pcie = v), 'PCIe', c.offset);
          break;
        case PCI_CAP_ID_PCIX:
          canHaveExt = true;
          break;
        case 0x05:
          if (!dup('MSI', c.offset, m.msi)) take(decodeMsi(config, c.offset), (v) => (m.msi = v), 'MSI', c.offset);
          break;
        case 0x11:
          if (!dup('MSI-X', c.offset, m.msix)) take(decodeMsix(config, c.offset), (v) => (m.msix = v), 'MSI-X', c.offset);
          break;
        default:
          if (STD_CAP_NAMES[c.id] === undefined) issues.push(issue('UNKNOWN_ID', c.offset, `cap 0x${c.id.toString(16).padStart(2, '0')}`, 'unknown capability id'));
      }
    }
    if (canHaveExt && config.length > 0x100) {
      extWalked = true;
      const e = walkExtCaps(config);
      issues.push(...e.issues);
      extEnd = e.end;
      extEndOffset = e.endOffset;
      extEndVersion = e.endVersion;
      for (const c of e.caps) {
        caps.push(c);
        const o = c.offset;
        switch (c.id) {
          case 0x03:
            if (!dup('DSN', o, m.dsn)) take(decodeDsn(config, o), (v) => (m.dsn = v), 'DSN', o);
            break;
          case 0x0d:
            if (!dup('ACS', o, m.acs)) take(decodeAcs(config, o), (v) => (m.acs = v), 'ACS', o);
            break;
          case 0x0e:
            if (!dup('ARI', o, m.ari)) take(decodeAri(config, o), (v) => (m.ari = v), 'ARI', o);
            break;
          case 0x0f:
            if (!dup('ATS', o, m.ats)) take(decodeAts(config, o), (v) => (m.ats = v), 'ATS', o);
            break;
          case 0x10:
            if (!dup('SR-IOV', o, m.sriov)) take(decodeSriov(config, o), (v) => (m.sriov = v), 'SR-IOV', o);
            break;
          case 0x13:
            if (!dup('PRI', o, m.pri)) take(decodePri(config, o), (v) => (m.pri = v), 'PRI', o);
            break;
          case 0x1b:
            if (!dup('PASID', o, m.pasid)) take(decodePasid(config, o), (v) => (m.pasid = v), 'PASID', o);
            break;
          case 0x23:
            take(decodeDvsec(config, o), (v) => dvsecs.push(v), 'DVSEC', o);
            break;
          default:
            if (EXT_CAP_NAMES[c.id] === undefined) issues.push(issue('UNKNOWN_ID', o, `ext 0x${c.id.toString(16).padStart(2, '0')}`, 'unknown extended capability id'));
        }
      }
    }
  } else if (header === null) {
    stdEnd = 'denied';
  }
  return {
    bdf,
    config,
    header,
    caps,
    ...m,
    dvsecs,
    issues,
    walk: { stdEnd, stdEndOffset, extWalked, extEnd, extEndOffset, extEndVersion },
  };
}
