// A set of listeners for one kind of HubConnection event, and a hub's status with its listeners,
// shared by the hub implementations: a listener that throws must not stop the others hearing the change.
import type { Disposable, HubStatus } from './hubConnection';

export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): Disposable {
    this.set.add(listener);
    return { dispose: () => this.set.delete(listener) };
  }
  fire(value: T): void {
    for (const l of [...this.set]) {
      try {
        l(value);
      } catch {
        // one listener's bug must not stop the others hearing the change
      }
    }
  }
  clear(): void {
    this.set.clear();
  }
}

/** A hub's status and who listens to it: setting a status that says the same as the current one fires nothing. */
export class HubStatusCell {
  private value: HubStatus;
  private readonly listeners = new Listeners<HubStatus>();
  constructor(initial: HubStatus) {
    this.value = initial;
  }
  get current(): HubStatus {
    return this.value;
  }
  set(status: HubStatus): void {
    const same = sameHubStatus(status, this.value);
    this.value = status;
    if (!same) this.listeners.fire(status);
  }
  onDidChange(listener: (status: HubStatus) => void): Disposable {
    return this.listeners.add(listener);
  }
  clear(): void {
    this.listeners.clear();
  }
}

/** True when two statuses say the same (same state, and for `failed` the same reason): no event then. */
export function sameHubStatus(a: HubStatus, b: HubStatus): boolean {
  return a.state === b.state && (a.state !== 'failed' || (b.state === 'failed' && a.message === b.message));
}
