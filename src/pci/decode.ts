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

function addIssues(dst: ConfigIssue[], src: readonly ConfigIssue[]): void {
  for (let i = 0; i < src.length; i++) dst.push(src[i]);
}

/** Decode one function's config space. */
export function decodeFunction(bdf: Bdf, config: ConfigSpace): PciFunction {
  const issues: ConfigIssue[] = [];
  const h = decodeHeader(config);
  addIssues(issues, h.issues);
  const header = h.value ?? null;
  const caps: CapHeader[] = [];
  const dvsecs: DvsecCap[] = [];
  const m: Mutable = {};
  let stdEnd: CapWalkEnd = header === null ? 'denied' : 'end';
  let stdEndOffset: number | undefined;
  let extWalked = false;
  let extEnd: CapWalkEnd = 'end';
  let extEndOffset: number | undefined;
  let extEndVersion: number | undefined;
  if (header && header.status & PCI_STATUS_CAP_LIST) {
    const w = walkStdCaps(config, header.headerType === 2 ? 0x14 : 0x34);
    addIssues(issues, w.issues);
    stdEnd = w.end;
    stdEndOffset = w.endOffset;
    let canHaveExt = false;
    for (const c of w.caps) {
      caps.push(c);
      const o = c.offset;
      switch (c.id) {
        case PCI_CAP_ID_EXP: {
          canHaveExt = true;
          if (dup(issues, 'PCIe', o, m.pcie)) break;
          const d = decodeExpress(config, o);
          addIssues(issues, d.issues);
          if (d.value !== undefined) m.pcie = d.value as NonNullable<Mutable['pcie']>;
          break;
        }
        case PCI_CAP_ID_PCIX:
          canHaveExt = true;
          break;
        case 0x05: {
          if (dup(issues, 'MSI', o, m.msi)) break;
          const d = decodeMsi(config, o);
          addIssues(issues, d.issues);
          if (d.value !== undefined) m.msi = d.value as NonNullable<Mutable['msi']>;
          break;
        }
        case 0x11: {
          if (dup(issues, 'MSI-X', o, m.msix)) break;
          const d = decodeMsix(config, o);
          addIssues(issues, d.issues);
          if (d.value !== undefined) m.msix = d.value as NonNullable<Mutable['msix']>;
          break;
        }
        default:
          if (STD_CAP_NAMES[c.id] === undefined) issues.push(issue('UNKNOWN_ID', o, `cap 0x${c.id.toString(16).padStart(2, '0')}`, 'unknown capability id'));
      }
    }
    if (canHaveExt && config.length > 0x100) {
      extWalked = true;
      const e = walkExtCaps(config);
      addIssues(issues, e.issues);
      extEnd = e.end;
      extEndOffset = e.endOffset;
      extEndVersion = e.endVersion;
      for (const c of e.caps) {
        caps.push(c);
        decodeExt(config, c, m, dvsecs, issues);
      }
    }
  }
  const f: PciFunction = {
    bdf,
    config,
    header,
    caps,
    ...m,
    dvsecs,
    issues,
    walk: { stdEnd, stdEndOffset, extWalked, extEnd, extEndOffset, extEndVersion },
  };
  return f;
}

/** A second instance of a capability that should appear once: reported, first one kept. */
function dup(issues: ConfigIssue[], what: string, off: number, present: unknown): boolean {
  if (present === undefined) return false;
  issues.push(issue('BAD_POINTER', off, what, `second ${what} capability at 0x${off.toString(16)} ignored (the first one is decoded)`));
  return true;
}

function decodeExt(config: ConfigSpace, c: CapHeader, m: Mutable, dvsecs: DvsecCap[], issues: ConfigIssue[]): void {
  const o = c.offset;
  let d: Decoded<unknown>;
  switch (c.id) {
    case 0x03:
      if (dup(issues, 'DSN', o, m.dsn)) return;
      d = decodeDsn(config, o);
      if (d.value !== undefined) m.dsn = d.value as NonNullable<Mutable['dsn']>;
      break;
    case 0x0d:
      if (dup(issues, 'ACS', o, m.acs)) return;
      d = decodeAcs(config, o);
      if (d.value !== undefined) m.acs = d.value as NonNullable<Mutable['acs']>;
      break;
    case 0x0e:
      if (dup(issues, 'ARI', o, m.ari)) return;
      d = decodeAri(config, o);
      if (d.value !== undefined) m.ari = d.value as NonNullable<Mutable['ari']>;
      break;
    case 0x0f:
      if (dup(issues, 'ATS', o, m.ats)) return;
      d = decodeAts(config, o);
      if (d.value !== undefined) m.ats = d.value as NonNullable<Mutable['ats']>;
      break;
    case 0x10:
      if (dup(issues, 'SR-IOV', o, m.sriov)) return;
      d = decodeSriov(config, o);
      if (d.value !== undefined) m.sriov = d.value as NonNullable<Mutable['sriov']>;
      break;
    case 0x13:
      if (dup(issues, 'PRI', o, m.pri)) return;
      d = decodePri(config, o);
      if (d.value !== undefined) m.pri = d.value as NonNullable<Mutable['pri']>;
      break;
    case 0x1b:
      if (dup(issues, 'PASID', o, m.pasid)) return;
      d = decodePasid(config, o);
      if (d.value !== undefined) m.pasid = d.value as NonNullable<Mutable['pasid']>;
      break;
    case 0x23: {
      const v = decodeDvsec(config, o);
      if (v.value) dvsecs.push(v.value);
      d = v;
      break;
    }
    default:
      if (EXT_CAP_NAMES[c.id] === undefined) issues.push(issue('UNKNOWN_ID', o, `ext 0x${c.id.toString(16).padStart(2, '0')}`, 'unknown extended capability id'));
      return;
  }
  addIssues(issues, d.issues);
}
