// Reusable write arenas for a D2C partition. Records are encoded into 1 MB off-heap arenas that
// the tail cache then keeps; allocating a fresh arena per megabyte of telemetry made V8 run a full
// mark-compact every second or so under load (external memory pressure), with its helper threads
// competing for the cores the devices need. An arena goes back to the pool once no pending write
// and no cached frame refers to it, so steady load allocates nothing.

export interface Arena {
  readonly buf: Buffer;
  /** Pending appends and tail-cache entries whose frames live in this arena. */
  refs: number;
}

export class ArenaPool {
  private readonly free: Arena[] = [];
  private allocatedCount = 0;

  constructor(private readonly arenaBytes: number, private readonly maxFree: number) {}

  /** An arena of at least `minBytes` with no references (from the pool when one fits). */
  take(minBytes: number): Arena {
    if (minBytes <= this.arenaBytes) {
      const a = this.free.pop();
      if (a !== undefined) return a;
    }
    this.allocatedCount++;
    return { buf: Buffer.allocUnsafeSlow(Math.max(this.arenaBytes, minBytes)), refs: 0 };
  }

  /** Takes back an arena nothing refers to any more (oversized or surplus ones are left to GC). */
  give(a: Arena): void {
    if (a.refs !== 0) throw new Error(`an arena with ${a.refs} references cannot be reused`);
    if (a.buf.length === this.arenaBytes && this.free.length < this.maxFree) this.free.push(a);
  }

  /** Drops the spare arenas (an idle partition keeps no memory). */
  clear(): void {
    this.free.length = 0;
  }

  get spare(): number {
    return this.free.length;
  }

  /** Arenas allocated so far (the rest of the arenas handed out were reused). */
  get allocated(): number {
    return this.allocatedCount;
  }
}
