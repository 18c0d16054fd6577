// The Hubs view's data: one HubNode per hub of runtime.hubs, kept live from each hub's change
// events (never polling). An event refreshes only the nodes it concerns (a device, its folder when
// the list changed, the Feedback folder), and refreshes that arrive together are coalesced into
// one (the first change after a quiet spell goes out at once; a burst is one redraw per node per
// 15 ms, not one per event). A routing change (made here, with the CLI or in another window)
// redraws the Routes and Endpoints folders. `reset` (hub restarted,
// events missed) and status changes refresh that hub whole.
import * as vscode from 'vscode';
import type { HubChange, HubConnection } from '../../hubs/hubConnection';
import type { SentC2dMessages } from '../../hubs/sentC2dMessages';
import type { HubList } from '../hubs/hubList';
import { HubNode } from './hubNode';
import type { TreeNode } from './treeNode';

/** Refreshes requested within this window are fired together. */
const COALESCE_MS = 15;

export class HubsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, { node: HubNode; subscriptions: Array<{ dispose(): void }> }>();
  private readonly disposables: vscode.Disposable[] = [];
  private pending = new Set<TreeNode>();
  private pendingAll = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** Called with each tree item VS Code asks for (the benchmark times event -> shown with it). */
  onItemResolved: ((node: TreeNode, item: vscode.TreeItem) => void) | undefined;

  constructor(private readonly hubs: HubList, private readonly sent?: SentC2dMessages) {
    this.sync();
    this.disposables.push(hubs.onDidChange(() => { this.sync(); this.refresh(); }));
    // A message sent from this window changed: its device's Sent node (or the device, to add it).
    if (sent) this.disposables.push(sent.onDidChange((c) => {
      const device = this.nodes.get(c.hubId)?.node.devices.device(c.deviceId);
      if (!device?.sent) return;
      this.refresh(device.sent.entries.length > 1 ? device.sent : device);
    }));
  }

  /** The hub nodes, in the HubList's order. */
  roots(): HubNode[] {
    return this.hubs.all().map((h) => this.nodes.get(h.id)?.node).filter((n): n is HubNode => n !== undefined);
  }

  hubNode(hub: HubConnection | string): HubNode | undefined {
    return this.nodes.get(typeof hub === 'string' ? hub : hub.id)?.node;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = node.treeItem();
    this.onItemResolved?.(node, item);
    return item;
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (item.tooltip === undefined && node.tooltip) item.tooltip = node.tooltip();
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    if (node === undefined) return this.roots();
    const waiting = this.childrenWaiters.get(node);
    if (waiting) {
      this.childrenWaiters.delete(node);
      // After VS Code has taken these children in (its cache), not before.
      setImmediate(() => { for (const w of waiting) w(); });
    }
    return node.children();
  }

  private readonly childrenWaiters = new Map<TreeNode, Array<() => void>>();

  /**
   * Refreshes `node` and resolves once VS Code has read its children again (or after `timeoutMs`).
   * VS Code answers a reveal from the children it cached, and drops that cache only when it handles
   * the refresh (debounced by 200 ms), so revealing a node just added to a folder must wait for this.
   */
  refreshAndReread(node: TreeNode, timeoutMs = 1_000): Promise<void> {
    const read = new Promise<void>((resolve) => {
      const list = this.childrenWaiters.get(node) ?? [];
      list.push(resolve);
      this.childrenWaiters.set(node, list);
      setTimeout(resolve, timeoutMs);
    });
    this.refresh(node);
    return read;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  /** Refreshes `node` (or everything) soon, together with whatever else asks meanwhile. */
  refresh(node?: TreeNode): void {
    if (node === undefined) this.pendingAll = true;
    else this.pending.add(node);
    if (this.timer) return;
    // Leading edge: the first change after a quiet spell goes out at once (next turn, so changes made
    // in the same turn join it); changes arriving within COALESCE_MS of a redraw wait for the window.
    const wait = Math.max(0, this.lastFlush + COALESCE_MS - performance.now());
    this.timer = wait === 0 ? setImmediate(() => this.flush()) : setTimeout(() => this.flush(), wait);
  }

  private lastFlush = -Infinity;
  private readonly flushWaiters: Array<() => void> = [];

  /** Resolves once the refreshes asked for so far have fired (at once when none is pending): tests wait on it. */
  whenRefreshed(): Promise<void> {
    if (this.timer === undefined) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFlush = performance.now();
    try {
      this.fireWhatIsPending();
    } finally {
      for (const resolve of this.flushWaiters.splice(0)) resolve();
    }
  }

  private fireWhatIsPending(): void {
    if (this.pendingAll) {
      this.pendingAll = false;
      this.pending.clear();
      this.changed.fire(undefined);
      return;
    }
    // A node whose ancestor refreshes anyway need not be named.
    const all = [...this.pending];
    this.pending = new Set();
    const named = new Set(all);
    const covered = (n: TreeNode): boolean => {
      for (let p = n.parent; p; p = p.parent) if (named.has(p)) return true;
      return false;
    };
    const fire = all.filter((n) => !covered(n));
    if (fire.length > 0) this.changed.fire(fire);
  }

  private sync(): void {
    const ids = new Set(this.hubs.all().map((h) => h.id));
    for (const [id, entry] of this.nodes) {
      if (ids.has(id)) continue;
      for (const s of entry.subscriptions) s.dispose();
      this.nodes.delete(id);
    }
    for (const hub of this.hubs.all()) {
      if (this.nodes.has(hub.id)) continue;
      const node = new HubNode(hub, this.sent);
      const subscriptions = [
        hub.onDidChange((change) => this.onHubChange(node, change)),
        hub.onDidChangeStatus(() => this.resetHub(node)),
      ];
      this.nodes.set(hub.id, { node, subscriptions });
    }
  }

  /** Lists the hub's devices, queues and feedback again (hub restarted, events missed, Refresh). */
  resetHub(node: HubNode): void {
    node.devices.reset();
    this.refresh(node);
  }

  private onHubChange(hubNode: HubNode, change: HubChange): void {
    const devices = hubNode.devices;
    switch (change.kind) {
      case 'device': {
        const r = devices.upsert(change.device);
        if (r === 'added') this.refresh(devices);
        else if (r) this.refresh(r);
        return;
      }
      case 'deviceDeleted':
        if (devices.remove(change.deviceId)) this.refresh(devices);
        return;
      case 'connection': {
        const node = devices.device(change.deviceId);
        if (!node) return;
        node.patch({ connectionState: change.connectionState });
        this.refresh(node);
        return;
      }
      case 'queue':
      case 'purged': {
        const node = devices.device(change.deviceId);
        if (!node) return;
        node.patch({ cloudToDeviceMessageCount: change.kind === 'queue' ? change.depth : 0 });
        // The device's description and its queue node's label and messages; nothing else.
        this.refresh(node);
        return;
      }
      case 'feedback':
        this.refresh(hubNode.feedback);
        return;
      case 'routing':
        // Only folders VS Code has read: refreshing one never opened races its first read.
        if (hubNode.routes?.view) this.refresh(hubNode.routes);
        if (hubNode.endpoints?.loaded) this.refresh(hubNode.endpoints);
        return;
      case 'reset':
        this.resetHub(hubNode);
        return;
    }
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    for (const entry of this.nodes.values()) for (const s of entry.subscriptions) s.dispose();
    this.nodes.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.changed.dispose();
    for (const resolve of this.flushWaiters.splice(0)) resolve();
  }
}
