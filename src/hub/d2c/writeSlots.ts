// How many D2C partitions may have a write in flight at once. Each durable write costs the hub a
// thread-pool hand-off and a device flush whatever its size (on a 2-core VM: ~120 us of CPU for
// 56 KB, ~1 us per KB beyond), so under load it pays to let partitions queue for a slot and
// write more records per commit; with little load a slot is always free and nothing waits.

export class WriteSlots {
  private inUse = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`write slots must be a positive integer (got ${size})`);
  }

  /** Resolves once a slot is held; call release() when the write has settled. */
  acquire(): Promise<void> {
    if (this.inUse < this.size) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter (FIFO, so no partition starves).
    if (next !== undefined) next();
    else this.inUse--;
  }
}
