// Schedules the C2D queues' deadlines (message expiry, lock timeout): a min-heap of due times and
// one clock timer for the earliest. Entries are not removed when a message changes; the queues
// re-check each device when its entry falls due (lazy invalidation), and the heap is rebuilt from
// the live deadlines when stale entries dominate.
import type { Clock, ClockTimer, HubLogger } from '../contracts';
import { DeadlineHeap, type Deadline } from './deadlineHeap';
import { errorText } from '../../core/errorText';

export interface DeadlineSource {
  /** Messages queued now (to judge when stale heap entries dominate). */
  messageCount(): number;
  /** The deadlines still live, to rebuild the heap from. */
  liveDeadlines(): Iterable<Deadline>;
}

export class C2dDeadlines {
  private heap = new DeadlineHeap();
  private pushesSinceCompaction = 0;
  private timer: ClockTimer | undefined;
  private timerDue = Infinity;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly log: HubLogger,
    private readonly source: DeadlineSource,
    /** Called when the timer fires; must change memory before its first await. */
    private readonly onDue: () => Promise<void>,
  ) {}

  push(time: number, deviceId: string, seq: number): void {
    this.heap.push({ time, deviceId, seq });
    if (++this.pushesSinceCompaction > 4096) {
      // Checked every 4096 pushes so counting the messages stays amortised O(1).
      this.pushesSinceCompaction = 0;
      if (this.heap.size > 4 * this.source.messageCount() + 1024) this.compact();
    }
    if (time < this.timerDue) this.arm();
  }

  /** Removes and returns the devices with a deadline at or before `now`. */
  takeDue(now: number): Set<string> {
    const devices = new Set<string>();
    for (let d = this.heap.peek(); d !== undefined && d.time <= now; d = this.heap.peek()) {
      this.heap.pop();
      devices.add(d.deviceId);
    }
    return devices;
  }

  /** Arms the timer for the earliest deadline (after loading, and after each firing). */
  arm(): void {
    if (this.closed) return;
    const top = this.heap.peek();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    if (top === undefined) return;
    this.timerDue = top.time;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      // onDue changes memory synchronously before its first await, so the next deadline can be
      // armed at once (a ManualClock advance then fires it in the same step).
      const done = this.onDue();
      this.arm();
      done.catch((e: unknown) => this.log.error(`C2D expiry processing failed: ${errorText(e)}`));
    }, Math.max(0, top.time - this.clock.now()));
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Entries of finished messages stay in the heap until due; rebuild it when they dominate. */
  private compact(): void {
    this.pushesSinceCompaction = 0;
    const fresh = new DeadlineHeap();
    for (const d of this.source.liveDeadlines()) fresh.push(d);
    this.heap = fresh;
    this.arm();
  }
}
