// A running simulation of one or more devices on one hub: fetches each device's key and the hub's
// device endpoint (HubConnection), refuses a message the hub would refuse before any device
// connects, runs the devices and reports sent counts and the rate. A device that stops with an
// error is reported with its reason; `reconnect` starts it again with its counter where it
// stopped. No vscode import.
import type { HubConnection } from '../hubs/hubConnection';
import { SimulatedDevice, refusalOf, type ReceivedC2d, type SimulatedDeviceEnd } from './simulatedDevice';
import type { MessageTemplate } from './template';
import { errorText, toError } from '../core/errorText';

export interface SimulationOptions {
  hub: HubConnection;
  deviceIds: string[];
  template: MessageTemplate;
  intervalMs: number;
  count?: number;
  holdC2d?: boolean;
  onC2d?: (m: ReceivedC2d) => void;
  /** A device stopped with an error (it can be reconnected). */
  onDeviceError?: (deviceId: string, message: string) => void;
}

export class Simulation {
  readonly devices = new Map<string, SimulatedDevice>();
  private readonly failed = new Map<string, string>();
  private readonly sentBefore = new Map<string, number>();
  private stopped = false;
  private readonly started = Date.now();
  private lastSample = { at: Date.now(), sent: 0 };
  private currentRate = 0;
  private allEnded: Promise<void> = Promise.resolve();
  /** The newest C2D messages the devices received (at most 100). */
  readonly received: ReceivedC2d[] = [];
  /** C2D messages held (no PUBACK yet) on live connections, oldest first. */
  private readonly heldList: ReceivedC2d[] = [];
  private readonly heldListeners = new Set<() => void>();

  constructor(readonly options: SimulationOptions) {}

  /** Refuses the template for any device before connecting; connects every device; starts them. */
  async start(): Promise<void> {
    const o = this.options;
    for (const id of o.deviceIds) {
      const refusal = refusalOf(o.template, id);
      if (refusal !== undefined) throw new Error(`The hub would refuse the message for '${id}': ${refusal}`);
    }
    const endpoint = await o.hub.deviceMqttEndpoint();
    const connects = o.deviceIds.map(async (id) => this.connectDevice(id, endpoint, 1));
    const results = await Promise.allSettled(connects);
    const firstError = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstError && results.every((r) => r.status === 'rejected')) {
      throw toError(firstError.reason);
    }
    // The fleet starts sending together once every device that could connect has, so its rate is
    // paced from one moment (see SimulatedDevice.start).
    for (const r of results) if (r.status === 'fulfilled' && !this.stopped) r.value.start();
  }

  private async startDevice(id: string, endpoint: Awaited<ReturnType<HubConnection['deviceMqttEndpoint']>>, startCounter: number): Promise<void> {
    const dev = await this.connectDevice(id, endpoint, startCounter);
    if (!this.stopped) dev.start();
  }

  private async connectDevice(id: string, endpoint: Awaited<ReturnType<HubConnection['deviceMqttEndpoint']>>, startCounter: number): Promise<SimulatedDevice> {
    const o = this.options;
    const keys = await o.hub.deviceKeys(id);
    const alreadySent = (this.sentBefore.get(id) ?? 0);
    const count = o.count === undefined ? undefined : o.count - alreadySent;
    const dev = new SimulatedDevice({
      endpoint, deviceId: id, key: keys.primaryKey, template: o.template, intervalMs: o.intervalMs, startCounter,
      ...(count !== undefined ? { count } : {}),
      ...(o.holdC2d ? { holdC2d: true } : {}),
      // A planned reconnect with a fresh SAS token: what the old connection held, the hub delivers again.
      onRenewed: () => this.dropHeld(id),
      onC2d: (m) => {
        this.received.push(m);
        if (this.received.length > 100) this.received.shift();
        if (m.complete) {
          const send = m.complete;
          m.complete = () => {
            const i = this.heldList.indexOf(m);
            if (i >= 0) this.heldList.splice(i, 1);
            this.heldChanged();
            return send();
          };
          this.heldList.push(m);
          this.heldChanged();
        }
        o.onC2d?.(m);
      },
    });
    try {
      await dev.connect();
    } catch (e) {
      const message = errorText(e);
      this.failed.set(id, message);
      o.onDeviceError?.(id, message);
      throw e;
    }
    this.failed.delete(id);
    this.devices.set(id, dev);
    const ended = dev.ended.then((end: SimulatedDeviceEnd) => {
      this.dropHeld(id);
      if (end.reason === 'error' && !this.stopped) {
        this.failed.set(id, end.message);
        o.onDeviceError?.(id, end.message);
      }
    });
    this.allEnded = Promise.all([this.allEnded, ended]).then(() => undefined);
    return dev;
  }

  /** Starts the failed devices again; each continues its counter. */
  async reconnect(): Promise<void> {
    const endpoint = await this.options.hub.deviceMqttEndpoint();
    const ids = [...this.failed.keys()];
    await Promise.allSettled(ids.map((id) => {
      const old = this.devices.get(id);
      this.sentBefore.set(id, (this.sentBefore.get(id) ?? 0) + (old?.sent ?? 0));
      return this.startDevice(id, endpoint, old?.nextCounter ?? 1);
    }));
  }

  get failures(): ReadonlyMap<string, string> {
    return this.failed;
  }

  /** Messages acknowledged by the hub, over every device and reconnect. */
  get sent(): number {
    let n = 0;
    for (const [id, d] of this.devices) n += d.sent + (this.sentBefore.get(id) ?? 0);
    return n;
  }

  /** Messages per second since the previous call (or the start). */
  sampleRate(): number {
    const now = Date.now();
    const sent = this.sent;
    const dt = (now - this.lastSample.at) / 1000;
    if (dt >= 0.5) {
      this.currentRate = (sent - this.lastSample.sent) / dt;
      this.lastSample = { at: now, sent };
    }
    return this.currentRate;
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Resolves when every running device has ended (count done, stopped or failed). */
  whenEnded(): Promise<void> {
    return this.allEnded;
  }

  /** C2D messages held on live connections (oldest first); each has `complete`. */
  get held(): readonly ReceivedC2d[] {
    return this.heldList;
  }

  /** Called whenever the held list changes (a message held, completed, or its connection gone). */
  onHeldChange(listener: () => void): { dispose(): void } {
    this.heldListeners.add(listener);
    return { dispose: () => { this.heldListeners.delete(listener); } };
  }

  private heldChanged(): void {
    for (const l of this.heldListeners) l();
  }

  private dropHeld(deviceId: string): void {
    const before = this.heldList.length;
    for (let i = this.heldList.length - 1; i >= 0; i--) if (this.heldList[i]!.deviceId === deviceId) this.heldList.splice(i, 1);
    if (this.heldList.length !== before) this.heldChanged();
  }

  /** Sends the PUBACK of every held C2D message (each is completed); returns how many. */
  completeHeld(): number {
    let n = 0;
    for (const d of this.devices.values()) n += d.completeHeld();
    if (this.heldList.length > 0) {
      this.heldList.length = 0;
      this.heldChanged();
    }
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const d of this.devices.values()) d.stop();
    if (this.heldList.length > 0) {
      this.heldList.length = 0;
      this.heldChanged();
    }
  }

  /** Every device sends nothing more and ends once its messages in flight are acknowledged (see whenEnded). */
  finishSending(): void {
    for (const d of this.devices.values()) d.finishSending();
  }
}
