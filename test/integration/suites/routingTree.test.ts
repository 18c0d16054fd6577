// Routes and endpoints in the Hubs tree of a real VS Code, against the extension's local hub:
// the Routes and Endpoints folders, Create Endpoint / Create Route, Disable / Enable of a route and
// of the fallback route (with its warning when unmatched messages are dropped), a refused route
// that changes nothing, and Delete. Each step is checked against the hub's own management API and
// against what the tree shows (contextValue, description). Leaves the hub as it found it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { EndpointNode } from '../../../src/vscode/tree/endpointsNode';
import type { HubNode } from '../../../src/vscode/tree/hubNode';
import type { TreeNode } from '../../../src/vscode/tree/treeNode';
import { activateExtension, after, before, suite, test, waitFor } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

suite('routing tree', () => {
  let client: LocalHubClient;
  let hubNode: HubNode;
  const endpoint = `eh-tree-${Date.now() % 100000}`;
  const route = `route-tree-${Date.now() % 100000}`;

  before(async () => {
    client = hubClient(await runningHubInfo());
    const runtime = await activateExtension();
    const node = runtime.tree.provider.hubNode('local');
    assert.ok(node);
    hubNode = node;
  });
  after(async () => {
    // Whatever a failed test left: the next suites expect a hub without routes and with the fallback on.
    await client.setFallbackRoute(true).catch(() => undefined);
    await client.deleteRoute(route).catch(() => undefined);
    await client.deleteEndpoint(endpoint).catch(() => undefined);
    client.close();
  });

  const items = async (folder: TreeNode | undefined): Promise<Array<{ node: TreeNode; item: vscode.TreeItem }>> => {
    assert.ok(folder, 'the folder exists');
    return (await folder.children()).map((node) => ({ node, item: node.treeItem() }));
  };
  const labelOf = (i: vscode.TreeItem): string => (typeof i.label === 'string' ? i.label : i.label?.label ?? '');
  const find = async (folder: TreeNode | undefined, label: string): Promise<{ node: TreeNode; item: vscode.TreeItem } | undefined> =>
    (await items(folder)).find((x) => labelOf(x.item) === label);

  test('a running local hub shows Routes and Endpoints folders: the fallback route, the built-in endpoint', async () => {
    const children = hubNode.children() as TreeNode[];
    const labels = children.map((c) => labelOf(c.treeItem()));
    assert.ok(labels.includes('Routes') && labels.includes('Endpoints'), labels.join(', '));
    assert.equal(hubNode.routes?.treeItem().contextValue, 'routes');
    assert.equal(hubNode.endpoints?.treeItem().contextValue, 'endpoints');
    const fallback = await find(hubNode.routes, 'Fallback route');
    assert.equal(fallback?.item.contextValue, 'route;enabled=true;fallback');
    const events = await find(hubNode.endpoints, 'events');
    assert.equal(events?.item.contextValue, 'endpoint;kind=builtIn;healthy=true');
  });

  test('Create Endpoint and Create Route (from their folders) add them to the hub and the tree', async () => {
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.endpoint.create', hubNode.endpoints, { name: endpoint, type: 'eventHub', entityPath: endpoint }), endpoint);
    assert.ok((await client.listEndpoints()).some((e) => e.name === endpoint && e.entityPath === endpoint));
    const ep = await waitFor(() => find(hubNode.endpoints, endpoint), { timeout: 10_000, message: 'the endpoint in the tree' });
    assert.equal(ep.item.contextValue, 'endpoint;kind=eventHub;healthy=true');
    assert.match(String(ep.item.description), new RegExp(`Event Hubs · entity ${endpoint} · 0 messages`));

    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.create', hubNode.routes, { name: route, condition: "level = 'critical'", endpointName: endpoint }), route);
    assert.deepEqual((await client.listRoutes()).find((r) => r.name === route), { name: route, source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: [endpoint], isEnabled: true });
    const r = await waitFor(() => find(hubNode.routes, route), { timeout: 10_000, message: 'the route in the tree' });
    assert.equal(r.item.contextValue, 'route;enabled=true');
    assert.equal(r.item.description, `→ ${endpoint} · level = 'critical'`);
  });

  test('a route the hub refuses (syntax, unknown endpoint) is not created and nothing changes', async () => {
    const before = await client.getRouting();
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.create', hubNode.routes, { name: 'bad-route', condition: 'level == 1', endpointName: 'nowhere' }), undefined);
    assert.deepEqual(await client.getRouting(), before);
  });

  test('Disable and Enable a route from its context menu change it on the hub and in the tree', async () => {
    const r = await find(hubNode.routes, route);
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.disable', r?.node), true);
    assert.equal((await client.listRoutes()).find((x) => x.name === route)?.isEnabled, false);
    const off = await find(hubNode.routes, route);
    assert.equal(off?.item.contextValue, 'route;enabled=false');
    assert.match(String(off?.item.description), /^disabled · /);
    assert.equal((await client.testRoutes({ applicationProperties: { level: 'critical' } })).routes.length, 0);

    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.enable', off?.node), true);
    assert.equal((await client.listRoutes()).find((x) => x.name === route)?.isEnabled, true);
    assert.equal((await find(hubNode.routes, route))?.item.contextValue, 'route;enabled=true');
  });

  test('Disable the fallback route: the tree warns that unmatched messages are dropped; Enable restores it', async () => {
    const f = await find(hubNode.routes, 'Fallback route');
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.disable', f?.node), true);
    assert.equal((await client.getRouting()).fallbackRoute.isEnabled, false);
    const off = await find(hubNode.routes, 'Fallback route');
    assert.equal(off?.item.contextValue, 'route;enabled=false;fallback');
    assert.equal(off?.item.description, 'off: messages no route matched are dropped');
    assert.equal((off?.item.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.enable', off?.node), true);
    assert.equal((await client.getRouting()).fallbackRoute.isEnabled, true);
  });

  test('a change made elsewhere (the hub\'s API, as the CLI does) redraws the Routes and Endpoints folders without Refresh', async () => {
    const runtime = await activateExtension();
    const routes = hubNode.routes!;
    const endpoints = hubNode.endpoints!;
    await routes.children();
    await endpoints.children();
    const fired: Array<TreeNode | undefined> = [];
    const sub = runtime.tree.provider.onDidChangeTreeData((e) => fired.push(...(Array.isArray(e) ? e : [e])));
    const redrawn = (node: TreeNode): boolean => fired.some((f) => f === undefined || f === node);
    const other = `${endpoint}-cli`;
    try {
      await client.putEndpoint(other, { type: 'eventHub', entityPath: other });
      await waitFor(() => redrawn(endpoints) || undefined, { timeout: 10_000, message: 'the Endpoints folder redrawn after the hub changed' });
      assert.ok(await find(endpoints, other), 'the new endpoint is listed');
      fired.length = 0;
      await client.putRoute(`${route}-cli`, { source: 'DeviceMessages', condition: 'true', endpointNames: [other], isEnabled: false });
      await waitFor(() => redrawn(routes) || undefined, { timeout: 10_000, message: 'the Routes folder redrawn after the hub changed' });
      assert.match(String((await find(routes, `${route}-cli`))?.item.description), new RegExp(`disabled · → ${other}`));
      fired.length = 0;
      await client.deleteRoute(`${route}-cli`);
      await client.deleteEndpoint(other);
      await waitFor(() => (redrawn(routes) && redrawn(endpoints)) || undefined, { timeout: 10_000, message: 'both folders redrawn after the deletes' });
      assert.equal(await find(routes, `${route}-cli`), undefined);
      assert.equal(await find(endpoints, other), undefined);
    } finally {
      sub.dispose();
      await client.deleteRoute(`${route}-cli`).catch(() => undefined);
      await client.deleteEndpoint(other).catch(() => undefined);
    }
  });

  test('Delete Endpoint is refused while a route uses it; Delete Route, then Delete Endpoint, remove them', async () => {
    const ep = (await find(hubNode.endpoints, endpoint))?.node as EndpointNode | undefined;
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.endpoint.delete', ep, { confirm: false }), false);
    assert.ok((await client.listEndpoints()).some((e) => e.name === endpoint), 'still there');

    const r = await find(hubNode.routes, route);
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.route.delete', r?.node, { confirm: false }), true);
    assert.ok(!(await client.listRoutes()).some((x) => x.name === route));
    assert.equal(await find(hubNode.routes, route), undefined);

    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.endpoint.delete', ep, { confirm: false }), true);
    assert.ok(!(await client.listEndpoints()).some((e) => e.name === endpoint));
    assert.equal(await find(hubNode.endpoints, endpoint), undefined);
  });
});
