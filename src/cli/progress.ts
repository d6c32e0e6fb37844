// Progress lines on stderr, only when stderr is a terminal (never in a pipe, a file or CI
// logs), and only once a run has lasted a second (a quick run prints nothing).

/** What the progress reporters need of a stream (a tty.WriteStream; a fake in tests). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

export interface StatesProgress {
  /** For CheckOptions.onStates: states discovered in the current part, BFS depth. */
  onStates(states: number, depth: number): void;
  /** Clears the progress line, if one was drawn. */
  done(): void;
}

/** verify's "explored N states, depth D, R states/s". `now` is injectable for tests. */
export function statesProgress(stream: ProgressStream, now: () => number = Date.now): StatesProgress | undefined {
  if (stream.isTTY !== true) return undefined;
  const t0 = now();
  let base = 0; // states of the parts already finished (a part's count restarts at 0)
  let last = 0;
  let lastDraw = 0;
  let drawn = false;
  return {
    onStates(states, depth) {
      if (states < last) base += last;
      last = states;
      const t = now();
      if (t - t0 < 1000 || t - lastDraw < 250) return;
      lastDraw = t;
      const total = base + states;
      const rate = Math.round(total / ((t - t0) / 1000));
      stream.write(`\r\x1b[Kexplored ${total} states, depth ${depth}, ${rate} states/s`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
