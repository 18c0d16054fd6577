// The hubs the extension knows, in tree order: the local hub first (always listed), then Azure
// IoT Hubs as the user adds them. The tree, the pickers and the monitor read hubs from here; each
// entry is a HubConnection (src/hubs), so nothing here or above assumes a hub is local.
import * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';

export class HubList implements vscode.Disposable {
  private readonly hubs: HubConnection[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** A hub was added or removed (not: a hub's own state changed; see HubConnection's events). */
  readonly onDidChange = this.changed.event;

  all(): readonly HubConnection[] {
    return this.hubs;
  }

  get(id: string): HubConnection | undefined {
    return this.hubs.find((h) => h.id === id);
  }

  /** Adds a hub (it is owned from now on: disposed on removal and with the list). */
  add(hub: HubConnection): HubConnection {
    if (this.get(hub.id)) throw new Error(`A hub with id '${hub.id}' is already listed.`);
    this.hubs.push(hub);
    this.changed.fire();
    return hub;
  }

  remove(id: string): void {
    const i = this.hubs.findIndex((h) => h.id === id);
    if (i < 0) return;
    const [hub] = this.hubs.splice(i, 1);
    hub?.dispose();
    this.changed.fire();
  }

  dispose(): void {
    for (const h of this.hubs.splice(0)) h.dispose();
    this.changed.dispose();
  }
}
