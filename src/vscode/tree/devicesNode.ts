// The Devices folder of a hub: devices sorted by id, read 100 at a time (a "Load more" item reads
// the next page), optionally filtered (part of an id, or `*`/`?`; the filter shows in the
// description). It keeps the device nodes it has read so live changes update one node in place
// rather than listing again; a device created meanwhile joins when its id falls within the pages
// read so far (otherwise "Load more" brings it in its turn).
import * as vscode from 'vscode';
import { errorText } from '../../core/errorText';
import { compileDeviceFilter, type DeviceFilter } from '../../hubs/deviceFilter';
import type { HubDevice } from '../../hubs/hubConnection';
import { pageRequest } from '../../hub/paging';
import { DeviceNode } from './deviceNode';
import type { HubNode } from './hubNode';
import { InfoNode } from './infoNode';
import { LoadMoreNode } from './loadMoreNode';
import { contextValue, nodeId, type TreeNode } from './treeNode';

export const DEVICE_PAGE_SIZE = 100;

export class DevicesNode implements TreeNode {
  readonly id: string;
  private readonly nodes = new Map<string, DeviceNode>();
  /** Ids in tree order (sorted by id, ordinal as IoT Hub compares them). */
  private order: string[] = [];
  private loaded = false;
  private token: string | undefined;
  private error: string | undefined;
  private loading: Promise<void> | undefined;
  private filterText: string | undefined;
  /** Bumped by reset(): a page read under an older generation is not applied. */
  private generation = 0;
  readonly loadMoreNode: LoadMoreNode;

  constructor(readonly parent: HubNode) {
    this.id = nodeId(parent.hub, 'devices');
    this.loadMoreNode = new LoadMoreNode(this);
  }

  get hub(): HubNode['hub'] {
    return this.parent.hub;
  }

  get filter(): string | undefined {
    return this.filterText;
  }

  /** Whether more devices can be read (the last page said so). */
  get hasMore(): boolean {
    return this.loaded && this.token !== undefined;
  }

  /** The device nodes read so far, in order. */
  get deviceNodes(): DeviceNode[] {
    return this.order.map((id) => this.nodes.get(id)).filter((n): n is DeviceNode => n !== undefined);
  }

  device(deviceId: string): DeviceNode | undefined {
    return this.nodes.get(deviceId);
  }

  treeItem(): vscode.TreeItem {
    // Open by default: the devices are what a user opens the view to see (one page is read).
    const item = new vscode.TreeItem('Devices', vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.filterText ? 'filter' : 'server-environment');
    item.contextValue = contextValue('devices', { filtered: this.filterText !== undefined });
    if (this.filterText !== undefined) {
      item.description = `filter: ${this.filterText}`;
      item.tooltip = `Devices whose id matches '${this.filterText}' (clear the filter to see all)`;
    } else if (this.loaded) {
      item.description = `${this.order.length}${this.token !== undefined ? '+' : ''}`;
    }
    return item;
  }

  async children(): Promise<TreeNode[]> {
    if (!this.loaded) await this.load();
    if (this.error !== undefined) {
      return [new InfoNode(this, this.hub, 'error', `Could not list devices: ${this.error}`, {
        icon: 'error', color: 'errorForeground', tooltip: this.error, action: { command: 'iotHubMessaging.tree.refresh', title: 'Retry', arguments: [this] },
      })];
    }
    const list: TreeNode[] = this.deviceNodes;
    if (list.length === 0) {
      return this.filterText !== undefined
        ? [new InfoNode(this, this.hub, 'nomatch', `No device matches '${this.filterText}': clear the filter`, { icon: 'info', action: { command: 'iotHubMessaging.tree.clearFilter', title: 'Clear Filter', arguments: [this] } })]
        : [new InfoNode(this, this.hub, 'empty', 'No devices yet: create one', { icon: 'add', action: { command: 'iotHubMessaging.device.create', title: 'Create Device', arguments: [this] } })];
    }
    if (this.token !== undefined) list.push(this.loadMoreNode);
    return list;
  }

  /** Forgets what was read; the next `children()` reads the first page again. */
  reset(): void {
    // A read in flight belongs to the old state (e.g. before a filter was set): drop its result.
    this.generation += 1;
    this.loading = undefined;
    this.loaded = false;
    this.token = undefined;
    this.error = undefined;
    this.nodes.clear();
    this.order = [];
  }

  setFilter(text: string | undefined): void {
    this.filterText = text === undefined || text.trim() === '' ? undefined : text.trim();
    this.reset();
  }

  private load(): Promise<void> {
    this.loading ??= this.readPage(undefined).finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Reads the next page (Load more). */
  loadMore(): Promise<void> {
    if (!this.hasMore) return Promise.resolve();
    this.loading ??= this.readPage(this.token).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async readPage(token: string | undefined): Promise<void> {
    const generation = this.generation;
    try {
      const page = await this.hub.listDevices(pageRequest(DEVICE_PAGE_SIZE, token, this.filterText));
      if (generation !== this.generation) return this.load();
      if (token === undefined) {
        this.nodes.clear();
        this.order = [];
      }
      for (const d of page.items) this.upsert(d, true);
      this.token = page.continuationToken;
      this.error = undefined;
    } catch (e) {
      this.error = errorText(e);
    }
    this.loaded = true;
  }

  /**
   * A device as the hub now has it. Returns the node when it was already listed (update in place:
   * refresh only that node) or 'added' when it joined the list (refresh this folder), undefined
   * when it is outside what is listed.
   */
  upsert(device: HubDevice, fromPage = false): DeviceNode | 'added' | undefined {
    const existing = this.nodes.get(device.deviceId);
    if (existing) {
      existing.update(device);
      return existing;
    }
    if (!fromPage) {
      if (!this.loaded) return undefined;
      if (this.filterText !== undefined && !matchesFilter(this.filterText, device.deviceId)) return undefined;
      // Beyond the last page read: "Load more" will bring it in order.
      const last = this.order[this.order.length - 1];
      if (this.token !== undefined && last !== undefined && compareIds(device.deviceId, last) > 0) return undefined;
    }
    this.nodes.set(device.deviceId, new DeviceNode(this, device));
    if (fromPage) this.order.push(device.deviceId);
    else this.order.splice(insertionIndex(this.order, device.deviceId), 0, device.deviceId);
    return 'added';
  }

  /** Adds a device read on purpose (Go to Device), wherever it sorts. */
  pin(device: HubDevice): DeviceNode {
    const existing = this.nodes.get(device.deviceId);
    if (existing) {
      existing.update(device);
      return existing;
    }
    const node = new DeviceNode(this, device);
    this.nodes.set(device.deviceId, node);
    this.order.splice(insertionIndex(this.order, device.deviceId), 0, device.deviceId);
    return node;
  }

  /** True when the device was listed (the folder needs a refresh). */
  remove(deviceId: string): boolean {
    if (!this.nodes.delete(deviceId)) return false;
    this.order = this.order.filter((id) => id !== deviceId);
    return true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }
}

/** IoT Hub compares ids ordinally (case-sensitive, by UTF-16 code unit). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function insertionIndex(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(sorted[mid] ?? '', id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matchesFilter(text: string, deviceId: string): boolean {
  return compileFilterCached(text).matches(deviceId);
}

let cached: { text: string; filter: DeviceFilter } | undefined;
function compileFilterCached(text: string): DeviceFilter {
  if (cached?.text !== text) cached = { text, filter: compileDeviceFilter(text) };
  return cached.filter;
}
