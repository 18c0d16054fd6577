// Time sources for the hub. Everything time-dependent in the durable domain (TTL, lock timeouts,
// feedback batching, retention) goes through a Clock so lifecycle tests can step time instead of
// sleeping.
import type { Clock, ClockTimer } from './contracts';

let nextSystemTimerId = 1;

/** Wall-clock time with real timers. Timers are unref'd so a forgotten one never keeps a process alive. */
export const systemClock: Clock = (() => {
  const handles = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimeout(fn: () => void, ms: number): ClockTimer {
      const id = nextSystemTimerId++;
      const handle = setTimeout(() => {
        handles.delete(id);
        fn();
      }, Math.max(0, ms));
      handle.unref();
      handles.set(id, handle);
      return { id };
    },
    clearTimeout(timer: ClockTimer): void {
      const handle = handles.get(timer.id);
      if (handle !== undefined) {
        clearTimeout(handle);
        handles.delete(timer.id);
      }
    },
  };
})();

interface PendingTimer { id: number; due: number; order: number; fn: () => void }

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer that falls due, in due
 * order (ties in scheduling order), with `now()` set to each timer's due time while it runs, so
 * code observes the same sequence of instants it would see in real time. Timers scheduled by a
 * firing timer also fire if they fall inside the advanced window.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, PendingTimer>();
  private nextId = 1;
  private nextOrder = 0;

  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.current + Math.max(0, ms), order: this.nextOrder++, fn });
    return { id };
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete(timer.id);
  }

  /** Number of timers still scheduled (useful to assert that nothing leaks). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.order < next.order))) next = t;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }

  /** Jumps to an absolute time (never backwards), firing due timers like `advance`. */
  setTime(time: number): void {
    this.advance(time - this.current);
  }
}
