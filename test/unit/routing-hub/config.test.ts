// Routing configuration: validation (unknown endpoint, query syntax with its position, names,
// file name format, enrichments), routes.json surviving restarts, a corrupt routes.json refusing
// the start without touching the file, and the management API, client and CLI refusing bad
// changes with every problem and changing nothing.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main, type CliOutput } from '../../../src/hub/cli/main';
import { LocalHubApiError, LocalHubClient } from '../../../src/hub/client/localHubClient';
import { startLocalHub, type LocalHub } from '../../../src/hub/localHub';
import { validateRoutingConfig } from '../../../src/hub/routing/routingConfig';
import { HubStorageError } from '../../../src/hub/state/storageError';

function problemsOf(raw: unknown): Array<{ path: string; message: string; offset?: number }> {
  const r = validateRoutingConfig(raw, 'hub');
  return r.ok ? [] : r.problems;
}

function cliSink(): CliOutput & { out_: string; err_: string } {
  const s = { out_: '', err_: '', out: (t: string) => { s.out_ += t; }, err: (t: string) => { s.err_ += t; } };
  return s;
}

void describe('routing configuration validation', () => {
  void test('a valid configuration is normalised (defaults filled in)', () => {
    const r = validateRoutingConfig({
      routes: [{ name: 'r1', source: 'DeviceMessages', condition: "a = 'b'", endpointNames: ['eh1'], isEnabled: true }],
      endpoints: { eventHubs: [{ name: 'eh1' }], storageContainers: [{ name: 'st1' }] },
    }, 'hub');
    assert.ok(r.ok);
    assert.deepEqual(r.config.routes[0], { name: 'r1', source: 'DeviceMessages', condition: "a = 'b'", endpointNames: ['eh1'], isEnabled: true });
    assert.equal(r.config.fallbackRoute.isEnabled, true);
    assert.equal(r.config.endpoints.storageContainers[0]!.encoding, 'avro');
    assert.equal(r.config.endpoints.storageContainers[0]!.batchFrequencyInSeconds, 300);
  });

  void test('unknown endpoints, duplicates, reserved names and several endpoints per route are refused with their path', () => {
    const p = problemsOf({
      routes: [
        { name: 'r1', source: 'DeviceMessages', condition: 'true', endpointNames: ['nope'], isEnabled: true },
        { name: 'R1', source: 'DeviceMessages', condition: 'true', endpointNames: ['events'], isEnabled: true },
        { name: 'r2', source: 'DeviceMessages', condition: 'true', endpointNames: ['events', 'eh1'], isEnabled: true },
      ],
      endpoints: { eventHubs: [{ name: 'eh1' }, { name: 'EH1' }, { name: 'events' }] },
      enrichments: [{ key: 'k', value: 'v', endpointNames: ['ghost'] }],
    });
    const at = (path: string): string => p.filter((x) => x.path === path).map((x) => x.message).join(' | ');
    assert.match(at('routes[0].endpointNames[0]'), /Unknown endpoint 'nope'/);
    assert.match(at('routes[1].name'), /already used/);
    assert.match(at('routes[2].endpointNames'), /exactly one endpoint/);
    assert.match(at('endpoints.eventHubs[1].name'), /already used/);
    assert.match(at('endpoints.eventHubs[2].name'), /reserved/);
    assert.match(at('enrichments[0].endpointNames[0]'), /Unknown endpoint 'ghost'/);
  });

  void test('a condition syntax error names the route, the character position and what was expected', () => {
    const p = problemsOf({ routes: [{ name: 'r', source: 'DeviceMessages', condition: 'temperature >', endpointNames: ['events'], isEnabled: true }] });
    assert.equal(p.length, 1);
    assert.equal(p[0]!.path, 'routes[0].condition');
    assert.match(p[0]!.message, /^Syntax error at character 14: .*\(expected .+\)$/);
    assert.equal(p[0]!.offset, 13);
  });

  void test('storage settings: file name tokens, encoding, ranges, a path out of the data dir; enrichment values the local hub cannot fill', () => {
    const p = problemsOf({
      endpoints: { storageContainers: [
        { name: 's', fileNameFormat: '{iothub}/{YYYY}', encoding: 'parquet', batchFrequencyInSeconds: 0 },
        { name: 't', fileNameFormat: '../{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}' },
      ] },
      enrichments: [{ key: 'twin', value: '$twin.tags.site', endpointNames: ['s'] }],
    });
    const paths = p.map((x) => x.path);
    for (const path of ['endpoints.storageContainers[0].fileNameFormat', 'endpoints.storageContainers[0].encoding', 'endpoints.storageContainers[0].batchFrequencyInSeconds',
      'endpoints.storageContainers[1].fileNameFormat', 'enrichments[0].value']) assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    assert.match(p.find((x) => x.path.endsWith('[0].fileNameFormat'))!.message, /missing \{partition\} \{MM\} \{DD\} \{HH\} \{mm\}/);
  });

  void test('the hub\'s own extensions (partitions, consumer groups, container) are kept and checked', () => {
    const r = validateRoutingConfig({ endpoints: { eventHubs: [{ name: 'e', partitionCount: 2, consumerGroups: ['cg1'] }], storageContainers: [{ name: 's', containerName: 'archive-1' }] } }, 'hub');
    assert.ok(r.ok);
    assert.deepEqual(r.config.endpoints.eventHubs[0], { name: 'e', partitionCount: 2, consumerGroups: ['cg1'] });
    assert.equal(r.config.endpoints.storageContainers[0]!.containerName, 'archive-1');
    assert.deepEqual(r.warnings, []);
    assert.match(problemsOf({ endpoints: { eventHubs: [{ name: 'e', partitionCount: 64 }] } })[0]!.message, /1 to 32/);
  });

  void test('an entity path may not be the hub\'s own Event Hub name', () => {
    const p = problemsOf({ endpoints: { eventHubs: [{ name: 'x', entityPath: 'HUB' }] } });
    assert.match(p[0]!.message, /already used by the built-in endpoint/);
  });
});

void describe('routes.json, the management API and the CLI', () => {
  let dir: string;
  let hub: LocalHub | undefined;
  let api: LocalHubClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routing-config-'));
  });
  after(async () => {
    api?.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('the CLI configures routing in the data dir when no hub runs; a bad change prints every problem and changes nothing', async () => {
    const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = cliSink();
      const code = await main([...args, '--data-dir', dir], io);
      return { code, out: io.out_, err: io.err_ };
    };
    assert.equal((await run('endpoint', 'add', 'eh-alerts', '--type', 'eventhub', '--entity-path', 'alerts')).code, 0);
    assert.equal((await run('endpoint', 'add', 'archive', '--type', 'storage', '--encoding', 'json', '--batch-frequency', '5')).code, 0);
    const added = await run('route', 'add', 'alerts', '--endpoint', 'eh-alerts', '--condition', "level = 'critical'");
    assert.equal(added.code, 0, added.err);
    const before_ = readFileSync(join(dir, 'routes.json'), 'utf8');
    const bad = await run('route', 'add', 'broken', '--endpoint', 'nowhere', '--condition', 'a >');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /routes\[1\]\.condition: Syntax error at character \d+/);
    assert.match(bad.err, /routes\[1\]\.endpointNames\[0\]: Unknown endpoint 'nowhere'/);
    assert.equal(readFileSync(join(dir, 'routes.json'), 'utf8'), before_, 'routes.json unchanged');
    const inUse = await run('endpoint', 'remove', 'eh-alerts');
    assert.equal(inUse.code, 1);
    assert.match(inUse.err, /The endpoint "eh-alerts" is used by route "alerts"; remove or change it first/);
    const listed = await run('route', 'list', '--json');
    assert.deepEqual(JSON.parse(listed.out), [{ name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true }]);
    const tested = await run('route', 'test', '--property', 'level=critical');
    assert.match(tested.out, /routes: alerts -> eh-alerts; fallback: no/);
  });

  void test('the configuration survives a restart; the management API validates every change before applying it', async () => {
    hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false });
    api = LocalHubClient.fromConnectionString(hub.connectionInfo.hubConnectionString, { ca: readFileSync(hub.connectionInfo.caCertPath) });
    assert.deepEqual((await api.listRoutes()).map((r) => r.name), ['alerts']);
    const endpoints = await api.listEndpoints();
    assert.deepEqual(endpoints.map((e) => [e.name, e.type]), [['events', 'builtIn'], ['eh-alerts', 'eventHub'], ['archive', 'storage']]);
    assert.equal(endpoints[1]!.entityPath, 'alerts');

    await assert.rejects(api.putRoute('r2', { endpointName: 'missing' }), (e: unknown) => e instanceof LocalHubApiError && e.status === 400 && /Unknown endpoint 'missing'/.test(e.message));
    await assert.rejects(api.putRoute('r2', { endpointName: 'events', condition: "a = 'x' AND" }), (e: unknown) => e instanceof LocalHubApiError && e.status === 400 && /routes\[1\]\.condition: Syntax error at character \d+/.test(e.message));
    await assert.rejects(api.setRouting({ routes: 'no' }), (e: unknown) => e instanceof LocalHubApiError && e.status === 400);
    assert.deepEqual((await api.listRoutes()).map((r) => r.name), ['alerts'], 'nothing applied');

    const r2 = await api.putRoute('hot', { endpointName: 'archive', condition: '$body.temperature > 30' });
    assert.equal(r2.source, 'DeviceMessages');
    await api.putEnrichment('site', { value: 'lab', endpointNames: ['archive'] });
    await api.setFallbackRoute(false);
    const t = await api.testRoutes({ applicationProperties: { level: 'critical' }, systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' }, body: '{"temperature": 40}' });
    assert.deepEqual(t, { routes: ['alerts', 'hot'], endpoints: ['eh-alerts', 'archive'], fallback: false, dropped: false });
    const dropped = await api.testRoutes({ body: 'x' });
    assert.equal(dropped.dropped, true);
    await assert.rejects(api.deleteEndpoint('archive'), (e: unknown) => e instanceof LocalHubApiError && e.status === 400 && /route "hot", enrichment "site"/.test(e.message));
    await api.deleteRoute('hot');
    await assert.rejects(api.deleteRoute('hot'), (e: unknown) => e instanceof LocalHubApiError && e.status === 404);
    const saved = JSON.parse(readFileSync(join(dir, 'routes.json'), 'utf8')) as { fallbackRoute: { isEnabled: boolean }; enrichments: unknown[] };
    assert.equal(saved.fallbackRoute.isEnabled, false);
    assert.equal(saved.enrichments.length, 1);
    api.close();
    await hub.close();
    hub = undefined;
  });

  void test('a corrupt routes.json stops the start with an error naming the file, and the file is left as it was', async () => {
    const file = join(dir, 'routes.json');
    for (const text of ['{"routes": [', '{"routes": [{"name": "r", "source": "DeviceMessages", "condition": "a >", "endpointNames": ["events"], "isEnabled": true}]}']) {
      writeFileSync(file, text);
      await assert.rejects(startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false }),
        (e: unknown) => e instanceof HubStorageError && e.kind === 'corrupt' && e.message.includes(file) && /did not modify the file/.test(e.message));
      assert.equal(readFileSync(file, 'utf8'), text);
    }
  });
});
