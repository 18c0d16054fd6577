// Bounds how many D2C partition writes are on their way to disk at once, across partitions.
// A durable write costs about the same kernel CPU whatever its size (see docs/hub-storage.md),
// so four partitions each writing small batches side by side pay that cost four times where
// taking turns pays it once for a batch four times as large. A partition waiting its turn keeps
// gathering appends, so its next write carries them all; an idle hub never waits.
export class WriteGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`WriteGate capacity must be a whole number >= 1, not ${capacity}`);
  }

  /** A slot now, or undefined when the gate is full (then `enter`). Synchronous, so an open gate adds no tick. */
  tryEnter(): (() => void) | undefined {
    if (this.active >= this.capacity) return undefined;
    this.active++;
    return this.releaser();
  }

  /** Resolves when this writer may write; it must call the returned release once (more calls do nothing). */
  async enter(): Promise<() => void> {
    const now = this.tryEnter();
    if (now !== undefined) return now;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter (first come, first served) so it cannot be overtaken.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    };
  }
}
