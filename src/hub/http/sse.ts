// Server-Sent Events streams for the management API (evented tree, D2C tail). Each stream sends a
// comment heartbeat so proxies and clients notice a dead hub, and is ended when the hub closes.
// Backpressure: `congested` says the client has not taken what was written (write() returned
// false); producers then wait for `drained()` instead of writing on, so a slow client costs the hub
// a socket buffer, not memory growing with what it has not read.
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;

export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly onClose: Array<() => void> = [];

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // A stream lives as long as the client wants it: no idle timeout (ordinary requests keep theirs).
    res.socket?.setTimeout(0);
    res.write(': connected\n\n');
    // A congested stream skips heartbeats: the client is alive enough, and they would only queue.
    this.heartbeat = setInterval(() => {
      if (!this.congested) this.res.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    res.on('close', () => this.finish());
  }

  /** The client has not taken everything written so far (wait for drained() before writing more). */
  get congested(): boolean {
    return !this.closed && this.res.writableNeedDrain;
  }

  /** Resolves once the client has taken what was written (at once when not congested), or the stream closed. */
  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: string, data: unknown, id?: string): void {
    this.sendText(event, JSON.stringify(data), id);
  }

  /** Sends data already serialised (one line of JSON). */
  sendText(event: string, json: string, id?: string): void {
    if (this.closed) return;
    let frame = `event: ${event}\n`;
    if (id !== undefined) frame += `id: ${id}\n`;
    frame += `data: ${json}\n\n`;
    this.res.write(frame);
  }

  /** Tells the client where the stream stands before any event, so a reconnect resumes there. */
  sendId(id: string): void {
    if (!this.closed) this.res.write(`id: ${id}\n\n`);
  }

  /** Registers cleanup (unsubscribe) run once when the stream ends for any reason. */
  whenClosed(fn: () => void): void {
    if (this.closed) fn();
    else this.onClose.push(fn);
  }

  end(): void {
    if (!this.closed) this.res.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const fn of this.onClose.splice(0)) fn();
  }
}
