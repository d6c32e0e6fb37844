// Output collected as UTF-8 bytes in 1 MiB buffers instead of one string (issue 13: `run` of
// 100,000 functions prints ≈ 100 MB of text or ≈ 280 MB of JSON). Each small string is encoded
// as it is written and can be collected young; no giant join, no second copy at write time.

const CHUNK = 1 << 20;

export class ByteSink {
  private readonly done: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private at = 0;

  write(s: string): void {
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
    this.flush();
    return this.done;
  }
}
