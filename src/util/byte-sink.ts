// Output collected as UTF-8 bytes in 1 MiB buffers instead of one string (issue 13: `run` of
// 100,000 functions prints ≈ 100 MB of text or ≈ 280 MB of JSON). Small strings are joined
// into a pending string of up to PENDING units and encoded together (one encode call per line
// cost more than the lines' formatting); nothing is held as one giant string.

const CHUNK = 1 << 20;
const PENDING = 1 << 14;

export class ByteSink {
  private readonly done: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private at = 0;
  private pending = '';

  write(s: string): void {
    this.pending += s;
    if (this.pending.length >= PENDING) this.encode();
  }

  private encode(): void {
    const s = this.pending;
    this.pending = '';
    // a UTF-16 unit is at most 3 UTF-8 bytes: when it may not fit, start a new buffer
    if (s.length * 3 > CHUNK - this.at) {
      this.flush();
      if (s.length * 3 > CHUNK) {
        this.done.push(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  private flush(): void {
    if (this.at === 0) return;
    this.done.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.at = 0;
  }

  /** What was written, in order (the sink stays usable). */
  chunks(): readonly Buffer[] {
    if (this.pending !== '') this.encode();
    this.flush();
    return this.done;
  }
}
