// Numbered hub events for `GET /local/events`, so that a client which lost its stream (a sleep,
// a proxy, a hub busy for a moment) resumes with `Last-Event-ID` instead of missing changes.
//
// Ids are `<instance>.<n>`: the instance changes with every hub run, so an id from an earlier run
// (or one this backlog no longer holds) is answered with a `reset`, telling the client to
// re-list what it shows. Events are numbered always but kept only while someone listens, and
// for a grace period after the last listener left: an idle hub keeps nothing.
import type { Clock } from '../contracts';

export interface BacklogEvent {
  id: string;
  name: string;
  /** The event as JSON text (what the stream sends). */
  json: string;
}

export interface EventBacklogOptions {
  clock: Clock;
  /** Kept events: at most this many... */
  maxEvents?: number;
  /** ...and this many bytes of JSON (queue events carry message bodies of up to 64 KB). */
  maxBytes?: number;
  /** How long events are still kept after the last listener left (a reconnect's window). */
  graceMs?: number;
  /** Distinguishes this hub run's ids from an earlier run's. */
  instance?: string;
}

export class EventBacklog {
  readonly instance: string;
  private next = 1;
  private readonly kept: Array<BacklogEvent & { n: number; bytes: number }> = [];
  private keptBytes = 0;
  private readonly listeners = new Set<(e: BacklogEvent) => void>();
  /** When the last listener left (keeping stops graceMs later); -1 while someone listens. */
  private leftAt: number;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly graceMs: number;

  constructor(private readonly o: EventBacklogOptions) {
    this.instance = o.instance ?? o.clock.now().toString(36);
    this.maxEvents = o.maxEvents ?? 1024;
    this.maxBytes = o.maxBytes ?? 1024 * 1024;
    this.graceMs = o.graceMs ?? 60_000;
    this.leftAt = Number.NEGATIVE_INFINITY;
  }

  /** The id of the newest event (what a client that starts now has seen). */
  get lastId(): string {
    return `${this.instance}.${this.next - 1}`;
  }

  /** Numbers an event; keeps and sends it when anyone listens or may come back. */
  push(name: string, data: () => unknown): void {
    const n = this.next++;
    if (this.listeners.size === 0 && this.o.clock.now() - this.leftAt > this.graceMs) {
      // Nobody to resume: drop what is kept, so an old id cannot skip the events not kept.
      this.kept.length = 0;
      this.keptBytes = 0;
      return;
    }
    const event = { id: `${this.instance}.${n}`, name, json: JSON.stringify(data()), n, bytes: 0 };
    event.bytes = event.json.length;
    this.kept.push(event);
    this.keptBytes += event.bytes;
    while (this.kept.length > this.maxEvents || (this.keptBytes > this.maxBytes && this.kept.length > 1)) {
      this.keptBytes -= this.kept.shift()!.bytes;
    }
    for (const l of this.listeners) l(event);
  }

  /**
   * The events after `lastId`, or undefined when they cannot all be given (another hub run, too
   * old, or not an id of ours): the client must then start over.
   */
  since(lastId: string): BacklogEvent[] | undefined {
    const dot = lastId.lastIndexOf('.');
    if (dot < 0 || lastId.slice(0, dot) !== this.instance) return undefined;
    const seen = Number(lastId.slice(dot + 1));
    if (!Number.isInteger(seen) || seen < 0 || seen >= this.next) return undefined;
    const first = this.kept[0]?.n ?? this.next;
    if (seen + 1 < first) return undefined;
    return this.kept.filter((e) => e.n > seen);
  }

  /** Sends every later event to `fn` until the returned function is called. */
  listen(fn: (e: BacklogEvent) => void): () => void {
    this.listeners.add(fn);
    this.leftAt = -1;
    return () => {
      if (!this.listeners.delete(fn)) return;
      if (this.listeners.size === 0) this.leftAt = this.o.clock.now();
    };
  }
}
