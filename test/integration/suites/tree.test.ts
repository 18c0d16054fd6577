// The Hubs tree in a real VS Code against the extension's local hub: hub, devices (sorted, paged,
// filtered), each device's C2D queue with its queued messages, feedback, consumer groups; and
// live updates: a hub change refreshes exactly the nodes it concerns. Verified against the hub's
// own management API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { InspectorPanel } from '../../../src/vscode/inspector/inspectorPanel';
import type { C2dMessageNode } from '../../../src/vscode/tree/c2dMessageNode';
import type { DeviceNode } from '../../../src/vscode/tree/deviceNode';
import type { FeedbackRecordNode } from '../../../src/vscode/tree/feedbackRecordNode';
import type { HubNode } from '../../../src/vscode/tree/hubNode';
import type { HubsTreeProvider } from '../../../src/vscode/tree/hubsTreeProvider';
import type { TreeNode } from '../../../src/vscode/tree/treeNode';
import { activateExtension, after, before, suite, test, waitFor } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : item.label?.label ?? '';
}

/** Records what the tree asks VS Code to redraw: each fire's nodes (or 'ALL'). */
/**
 * The tree's refreshes while a test acts. Refreshes of the Feedback node alone are left out: the hub
 * batches feedback on its own schedule, so an earlier suite's batch may land during any test
 * (the feedback test keeps them).
 */
function recordFires(provider: HubsTreeProvider, keepFeedback = false): { fires: Array<TreeNode[] | 'ALL'>; dispose(): void } {
  const fires: Array<TreeNode[] | 'ALL'> = [];
  const sub = provider.onDidChangeTreeData((e) => {
    const nodes = e === undefined ? 'ALL' : Array.isArray(e) ? e : [e];
    if (!keepFeedback && nodes !== 'ALL' && nodes.length > 0 && nodes.every((n) => n.id.endsWith('/feedback'))) return;
    fires.push(nodes);
  });
  return { fires, dispose: () => sub.dispose() };
}

suite('tree', () => {
  let client: LocalHubClient;
  let provider: HubsTreeProvider;
  let hubNode: HubNode;
  const prefix = `tree-${Date.now()}-`;
  const a = `${prefix}a`;
  const b = `${prefix}b`;
  /** A device outside the tree's filter: its changes mark a point in the hub's event stream and refresh nothing. */
  const marker = `tree-marker-${Date.now()}`;

  /**
   * Every change the hub sent before now has reached the tree and the refreshes it asked for have
   * fired: the hub's events arrive in order, so once a change made now to the marker device has come
   * through (to a listener added after the tree's), everything before it has been handled too.
   */
  async function treeCaughtUp(): Promise<void> {
    const hub = (await activateExtension()).hubs.get('local');
    assert.ok(hub);
    let seen = false;
    const sub = hub.onDidChange((c) => {
      if (c.kind === 'device' && c.device.deviceId === marker) seen = true;
    });
    try {
      await client.updateDevice(marker, { statusReason: `mark ${Date.now()}` });
      await waitFor(() => seen, { timeout: 5_000, message: 'the marker change to reach the tree' });
    } finally {
      sub.dispose();
    }
    await provider.whenRefreshed();
  }

  async function deviceNodes(filter = `${prefix}*`): Promise<DeviceNode[]> {
    hubNode.devices.setFilter(filter);
    const children = await hubNode.devices.children();
    return children.filter((n): n is DeviceNode => provider.getTreeItem(n).contextValue?.startsWith('device;') === true);
  }

  before(async () => {
    client = hubClient(await runningHubInfo());
    const runtime = await activateExtension();
    provider = runtime.tree.provider;
    const node = provider.hubNode('local');
    assert.ok(node, 'the local hub has a node');
    hubNode = node;
    await client.createDevice({ deviceId: b });
    await client.createDevice({ deviceId: a });
    await client.createDevice({ deviceId: marker });
    await vscode.commands.executeCommand('iotHubMessaging.hubs.focus');
  });
  after(async () => {
    hubNode.devices.setFilter(undefined);
    await client.deleteDevice(marker);
    client.close();
  });

  test('the local hub is a root with its state, and Devices, Feedback, Consumer groups, Routes and Endpoints under it', async () => {
    const roots = await provider.getChildren();
    assert.equal(roots[0], hubNode, 'the local hub is listed first');
    const item = provider.getTreeItem(hubNode);
    assert.equal(label(item), 'Local hub');
    assert.equal(item.description, 'running');
    assert.equal(item.contextValue, 'hub;kind=local;state=running');
    const md = item.tooltip as vscode.MarkdownString;
    assert.match(md.value, /MQTT \(TLS\)/);
    assert.doesNotMatch(md.value, /SharedAccessKey/, 'no key in the tooltip');
    const children = await provider.getChildren(hubNode);
    assert.deepEqual(children.map((c) => label(provider.getTreeItem(c))), ['Devices', 'Feedback', 'Consumer groups', 'Routes', 'Endpoints']);
    assert.deepEqual(children.map((c) => provider.getTreeItem(c).contextValue), ['devices', 'feedback', 'consumerGroups', 'routes', 'endpoints']);
  });

  test('devices are sorted by id, with state by icon, `connected · N queued` descriptions and a keyless tooltip', async () => {
    await client.sendC2d(a, { body: 'one' });
    await client.sendC2d(a, { body: 'two' });
    const nodes = await deviceNodes();
    assert.deepEqual(nodes.map((n) => n.deviceId), [a, b]);
    const itemA = provider.getTreeItem(nodes[0]!);
    assert.equal(itemA.description, 'disconnected \u00b7 2 queued');
    assert.equal(itemA.contextValue, 'device;status=enabled;connection=disconnected');
    assert.equal((itemA.iconPath as vscode.ThemeIcon).id, 'vm-outline');
    assert.equal(itemA.tooltip, undefined, 'the tooltip is built on hover, not for every listed device');
    const tip = (provider.resolveTreeItem(itemA, nodes[0]!).tooltip as vscode.MarkdownString).value;
    for (const field of ['Status', 'Connection', 'Last activity', 'Generation id', 'C2D messages queued', 'Authentication']) assert.ok(tip.includes(field), field);
    const keys = await client.getDevice(a);
    assert.ok(!tip.includes(keys.authentication.symmetricKey.primaryKey), 'never a key');
    const filteredItem = provider.getTreeItem(hubNode.devices);
    assert.equal(filteredItem.description, `filter: ${prefix}*`);
    assert.equal(filteredItem.contextValue, 'devices;filtered');
  });

  test('a device\'s C2D queue shows its depth and expands to every queued message', async () => {
    const [nodeA] = await deviceNodes();
    assert.ok(nodeA);
    const [queue] = await provider.getChildren(nodeA);
    assert.ok(queue);
    assert.equal(label(provider.getTreeItem(queue)), 'C2D queue (2/50)');
    const messages = await provider.getChildren(queue);
    assert.equal(messages.length, 2);
    assert.ok(messages.every((m) => provider.getTreeItem(m).contextValue === 'c2dMessage'));
    const item = provider.getTreeItem(messages[0]!);
    assert.equal(item.contextValue, 'c2dMessage');
    assert.match(String(item.description), /^enqueued \u00b7 delivered 0\/10 \u00b7 expires .+ \u00b7 ack none$/);
    assert.equal(item.command?.command, 'iotHubMessaging.queue.openMessage');
  });

  test('a locked message shows "locked until"; the inspector opens a queued message as one', async () => {
    const received = await client.receiveC2d(a);
    assert.ok(received);
    const [nodeA] = await deviceNodes();
    const [queue] = await provider.getChildren(nodeA!);
    const messages = await provider.getChildren(queue!) as C2dMessageNode[];
    const locked = messages.find((m) => m.message.state === 'Invisible');
    assert.ok(locked, 'one message is locked');
    assert.match(String(provider.getTreeItem(locked).description), /^locked until .+ \u00b7 delivered 1\/10/);
    const runtime = await activateExtension();
    const panel = await vscode.commands.executeCommand<InspectorPanel>('iotHubMessaging.queue.openMessage', locked);
    assert.equal(panel.currentState.source.kind, 'c2dQueue');
    assert.equal(panel.currentState.source.kind === 'c2dQueue' && panel.currentState.source.deviceId, a);
    // Read-only: the webview is told so (it shows no editing or sending actions), and the host refuses a send.
    assert.equal(panel.currentState.readOnly, true);
    assert.match(panel.panel.title, /\(read-only\)$/);
    await panel.handleWebviewMessage({ type: 'request', id: 41, method: 'send', params: { as: 'c2d', message: panel.currentState.message } });
    assert.equal((await client.peekQueue(a)).length, 2, 'a send from a read-only panel sends nothing');
    for (const p of runtime.inspector.openPanels) p.dispose();
    await client.abandonC2d(a, received.lockToken);
  });

  test('a C2D message queued through the API refreshes exactly that device (and shows the new depth)', async () => {
    const [nodeA, nodeB] = await deviceNodes();
    assert.ok(nodeA && nodeB);
    await provider.getChildren(nodeA);
    await treeCaughtUp(); // earlier tests' events must not count as this one's refreshes
    const rec = recordFires(provider);
    try {
      await client.sendC2d(a, { body: 'three' });
      await waitFor(() => rec.fires.length > 0, { timeout: 5_000, message: 'a refresh' });
      await treeCaughtUp(); // any further refresh the send causes has fired by now
      assert.deepEqual(rec.fires.map((f) => (f === 'ALL' ? 'ALL' : f.map((n) => n.id))), [[nodeA.id]], 'only device a was refreshed');
      assert.equal(label(provider.getTreeItem(nodeA.queue)), 'C2D queue (3/50)');
      assert.equal(provider.getTreeItem(nodeA).description, 'disconnected \u00b7 3 queued');
      assert.equal(provider.getTreeItem(nodeB).description, 'disconnected');
    } finally {
      rec.dispose();
    }
  });

  test('a device created meanwhile joins the list in order (its folder refreshes); deleted, it leaves', async () => {
    await deviceNodes();
    const rec = recordFires(provider);
    const between = `${prefix}a2`;
    try {
      await client.createDevice({ deviceId: between });
      await waitFor(() => hubNode.devices.device(between), { timeout: 5_000, message: 'the new device in the tree' });
      await treeCaughtUp();
      assert.deepEqual(rec.fires.flatMap((f) => (f === 'ALL' ? ['ALL'] : f.map((n) => n.id))), [hubNode.devices.id]);
      assert.deepEqual(hubNode.devices.deviceNodes.map((n) => n.deviceId), [a, between, b]);
      await client.deleteDevice(between);
      await waitFor(() => !hubNode.devices.device(between), { timeout: 5_000, message: 'the device gone from the tree' });
    } finally {
      rec.dispose();
    }
  });

  test('feedback: a completed message asking for it appears under Feedback, newest first', async () => {
    const id = `fb-${Date.now()}`;
    await client.purgeQueue(b);
    await client.sendC2d(b, { body: 'ack me', systemProperties: { messageId: id, ack: 'full' } });
    const rec = recordFires(provider, true);
    try {
      const got = await client.receiveC2d(b);
      assert.ok(got);
      await client.completeC2d(b, got.lockToken);
      await waitFor(() => rec.fires.some((f) => f !== 'ALL' && f.includes(hubNode.feedback)), { timeout: 5_000, message: 'the feedback folder refreshed' });
    } finally {
      rec.dispose();
    }
    const records = await provider.getChildren(hubNode.feedback);
    const first = records[0] as FeedbackRecordNode | undefined;
    assert.ok(first && provider.getTreeItem(first).contextValue === 'feedbackRecord');
    assert.equal(first.record.originalMessageId, id);
    const item = provider.getTreeItem(first);
    assert.equal(label(item), id);
    assert.match(String(item.description), new RegExp(`^Success \u00b7 ${b} \u00b7 `));
    assert.equal(item.contextValue, 'feedbackRecord');
  });

  test('Devices pages 100 at a time with Load more; Go to Device finds one beyond the pages read', async () => {
    const many = `${prefix}page-`;
    for (let i = 0; i < 130; i++) await client.createDevice({ deviceId: `${many}${String(i).padStart(3, '0')}` });
    hubNode.devices.setFilter(undefined);
    let children = await hubNode.devices.children();
    assert.equal(children.length, 101, '100 devices and Load more');
    const more = children[100]!;
    assert.equal(provider.getTreeItem(more).contextValue, 'loadMore');
    assert.equal(provider.getTreeItem(more).command?.command, 'iotHubMessaging.tree.loadMore');
    const firstPage = children.slice(0, 100).map((n) => n.deviceId ?? '');
    assert.deepEqual(firstPage, [...firstPage].sort(), 'sorted by id');
    await vscode.commands.executeCommand('iotHubMessaging.tree.loadMore', more);
    children = await hubNode.devices.children();
    assert.ok(children.length > 101, `the next page joined (${children.length} items)`);
    const ids = children.map((n) => n.deviceId).filter((x): x is string => x !== undefined);
    assert.deepEqual(ids, [...ids].sort(), 'still sorted');
    assert.equal(new Set(ids).size, ids.length, 'no device twice');

    hubNode.devices.setFilter(undefined);
    const target = `${many}120`;
    const node = await vscode.commands.executeCommand<DeviceNode | undefined>('iotHubMessaging.tree.goToDevice', { hub: hubNode.hub, deviceId: target });
    assert.ok(node, 'Go to Device returns the node');
    assert.equal(node.deviceId, target);
    assert.equal(hubNode.devices.device(target), node);
  }, { timeout: 60_000 });

  test('Go to Device reveals a device beyond the pages the visible view has already shown', async () => {
    // The bug this guards: VS Code answers a reveal from the folder's children it cached, so a device
    // pinned beyond the first page was "Cannot resolve tree item" until the folder was read again.
    const view = (await activateExtension()).tree.view;
    await vscode.commands.executeCommand('iotHubMessaging.hubs.focus');
    hubNode.devices.setFilter(undefined);
    let shown = false;
    const previous = provider.onItemResolved;
    provider.onItemResolved = (node, item) => { previous?.(node, item); if (node.parent === hubNode.devices) shown = true; };
    try {
      provider.refresh(hubNode.devices);
      await view.reveal(hubNode.devices, { expand: true });
      await waitFor(() => shown || undefined, { message: 'VS Code shows the first page of devices' });
    } finally {
      provider.onItemResolved = previous;
    }
    const target = `${prefix}page-125`;
    assert.equal(hubNode.devices.device(target), undefined, 'the device is beyond the page read');
    const node = await vscode.commands.executeCommand<DeviceNode | undefined>('iotHubMessaging.tree.goToDevice', { hub: hubNode.hub, deviceId: target });
    assert.ok(node, 'Go to Device returns the node (no "Cannot resolve tree item")');
    assert.equal(view.selection[0], node, 'and selects it in the view');
  }, { timeout: 30_000 });

  test('a filter that matches nothing says so, and Clear Filter lists every device again', async () => {
    hubNode.devices.setFilter(`${prefix}no-such-*`);
    const [info] = await hubNode.devices.children();
    assert.ok(info);
    assert.match(label(provider.getTreeItem(info)), /No device matches/);
    await vscode.commands.executeCommand('iotHubMessaging.tree.clearFilter', hubNode.devices);
    assert.equal(hubNode.devices.filter, undefined);
    assert.equal(provider.getTreeItem(hubNode.devices).contextValue, 'devices');
  });
});
