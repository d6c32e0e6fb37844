// printf-style helpers for the lspci-compatible printer (lspci's FLAG(), %02x, %016llx ...).

/** lspci's FLAG(x, mask): '+' when any bit of mask is set. */
export const fl = (v: number, mask: number): string => ((v & mask) !== 0 ? '+' : '-');

const HEX = '0123456789abcdef';
export const h2 = (v: number): string => HEX[(v >>> 4) & 15] + HEX[v & 15];
export const h3 = (v: number): string => HEX[(v >>> 8) & 15] + h2(v);
export const h4 = (v: number): string => h2((v >>> 8) & 0xff) + h2(v & 0xff);
export const h8 = (v: number): string => h4((v >>> 16) & 0xffff) + h4(v & 0xffff);
/** %0Nx for any N (wider values are printed in full, as printf does). */
export const hx = (v: number, w: number): string => (v >>> 0).toString(16).padStart(w, '0');
/** %016llx of an unsigned 64-bit value. */
export const h16 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');
