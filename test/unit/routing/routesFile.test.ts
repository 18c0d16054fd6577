// The routes file validator (every problem with its JSON path) and the route table (which
// endpoints a message goes to, the fallback route, enrichments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoutingMessage } from '../../../src/core/routing/condition';
import { RouteTable } from '../../../src/core/routing/routeTable';
import { formatJsonPath, parseRoutesFileText, validateRoutesFile, type RoutesFile } from '../../../src/core/routing/routesFile';

const GOOD = {
  routes: [
    { name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'archive', source: 'DeviceMessages', condition: 'true', endpointNames: ['cold-store'], isEnabled: false },
    { name: 'lifecycle', source: 'DeviceLifecycleEvents', endpointNames: ['events'], isEnabled: true },
  ],
  fallbackRoute: { isEnabled: true },
  endpoints: {
    eventHubs: [{ name: 'eh-alerts', entityPath: 'alerts' }],
    storageContainers: [{ name: 'cold-store', encoding: 'json', batchFrequencyInSeconds: 60, maxChunkSizeInBytes: 10485760 }],
  },
  enrichments: [{ key: 'hub', value: '$iothubname', endpointNames: ['eh-alerts'] }, { key: 'env', value: 'dev', endpointNames: ['events', 'eh-alerts'] }],
};

function msg(app: Record<string, string>, body?: unknown): RoutingMessage {
  return {
    systemProperties: body === undefined ? {} : { contentType: 'application/json', contentEncoding: 'utf-8' },
    applicationProperties: Object.entries(app).map(([name, value]) => ({ name, value })),
    body: new TextEncoder().encode(body === undefined ? '' : JSON.stringify(body)),
  };
}

test('a good file validates with defaults filled in', () => {
  const v = validateRoutesFile(GOOD);
  assert.deepEqual(v.problems, []);
  assert.ok(v.file);
  assert.equal(v.file.routes[3]?.condition, 'true');
  assert.equal(v.file.endpoints.storageContainers[0]?.encoding, 'json');
  const minimal = validateRoutesFile({});
  assert.deepEqual(minimal.file, { routes: [], fallbackRoute: { isEnabled: true }, endpoints: { eventHubs: [], storageContainers: [] }, enrichments: [] });
});

test('every problem is reported with its path: unknown endpoints, duplicates, syntax, reserved names', () => {
  const bad = {
    routes: [
      { name: 'a', source: 'DeviceMessages', condition: "level = 'x' AND", endpointNames: ['nowhere'], isEnabled: true },
      { name: 'A', source: 'TwinChangeEvents', condition: 'true', endpointNames: ['events', 'eh'], isEnabled: 'yes' },
      { name: 'bad name!', source: 'Nope', endpointNames: [], isEnabled: true },
      { name: 'tw', source: 'DeviceMessages', condition: '$twin.tags.x = 1', endpointNames: ['events'], isEnabled: true },
    ],
    endpoints: {
      eventHubs: [{ name: 'eh' }, { name: 'EH' }, { name: 'events' }],
      storageContainers: [{ name: 's', encoding: 'parquet', fileNameFormat: '{iothub}/{partition}', batchFrequencyInSeconds: 0, maxChunkSizeInBytes: 1024 }],
    },
    enrichments: [{ key: 'k', value: 'v', endpointNames: ['ghost'] }, { key: 'K', value: 'v', endpointNames: [] }],
    extra: 1,
  };
  const v = validateRoutesFile(bad);
  assert.equal(v.file, undefined);
  const at = (path: string) => v.problems.filter((p) => formatJsonPath(p.path) === path).map((p) => p.code);
  assert.deepEqual(at('routes[0].condition'), ['condition-syntax']);
  const syntax = v.problems.find((p) => p.code === 'condition-syntax');
  assert.deepEqual(syntax?.range, { start: 15, end: 15 });
  assert.ok(syntax?.expected?.includes('NOT'));
  assert.deepEqual(at('routes[0].endpointNames[0]'), ['unknown-endpoint']);
  assert.deepEqual(at('routes[1].name'), ['duplicate-name']);
  assert.deepEqual(at('routes[1].source'), ['unsupported-source']);
  assert.deepEqual(at('routes[1].endpointNames'), ['one-endpoint']);
  assert.deepEqual(at('routes[1].isEnabled'), ['wrong-type']);
  assert.deepEqual(at('routes[2].name'), ['invalid-name']);
  assert.deepEqual(at('routes[2].source'), ['unknown-source']);
  assert.deepEqual(at('routes[2].endpointNames'), ['one-endpoint']);
  assert.deepEqual(at('routes[3].condition'), ['condition-twin']);
  assert.deepEqual(at('endpoints.eventHubs[1].name'), ['duplicate-name']);
  assert.deepEqual(at('endpoints.eventHubs[2].name'), ['reserved-name']);
  assert.deepEqual(at('endpoints.storageContainers[0].encoding'), ['wrong-type']);
  assert.deepEqual(at('endpoints.storageContainers[0].fileNameFormat'), ['file-name-format']);
  assert.deepEqual(at('endpoints.storageContainers[0].batchFrequencyInSeconds'), ['out-of-range']);
  assert.deepEqual(at('endpoints.storageContainers[0].maxChunkSizeInBytes'), ['out-of-range']);
  assert.equal(v.problems.find((p) => formatJsonPath(p.path) === 'endpoints.storageContainers[0].maxChunkSizeInBytes')?.severity, 'warning');
  assert.deepEqual(at('enrichments[0].endpointNames[0]'), ['unknown-endpoint']);
  assert.deepEqual(at('enrichments[1].key'), ['duplicate-name']);
  assert.deepEqual(at('enrichments[1].endpointNames'), ['missing-field']);
  assert.deepEqual(at('extra'), ['unknown-field']);
});

test('not JSON or not an object: one clear error, nothing thrown', () => {
  assert.equal(parseRoutesFileText('{ "routes": [').problems[0]?.code, 'invalid-json');
  assert.equal(validateRoutesFile([]).problems[0]?.code, 'wrong-type');
  assert.equal(validateRoutesFile(null).problems[0]?.code, 'wrong-type');
  assert.equal(validateRoutesFile({ routes: 5 }).problems[0]?.code, 'wrong-type');
});

test('route table: matching routes, one delivery per endpoint, fallback and drop', () => {
  const file = validateRoutesFile(GOOD).file as RoutesFile;
  const table = RouteTable.compile(file);
  const both = table.route(msg({ Level: 'critical' }, { temperature: 35 }));
  assert.deepEqual(both.matched.map((r) => r.def.name), ['alerts', 'hot']);
  assert.deepEqual(both.endpoints, ['eh-alerts']);
  assert.equal(both.fallback, false);
  const none = table.route(msg({ level: 'info' }, { temperature: 20 }));
  assert.deepEqual(none.endpoints, ['events']);
  assert.equal(none.fallback, true);
  const off = RouteTable.compile({ ...file, fallbackRoute: { isEnabled: false } }).route(msg({}));
  assert.equal(off.dropped, true);
  assert.deepEqual(off.endpoints, []);
  const life = table.route(msg({}), 'DeviceLifecycleEvents');
  assert.deepEqual(life.matched.map((r) => r.def.name), ['lifecycle']);
  const ex = table.explain(msg({ level: 'info' }, { temperature: 21.5 }));
  assert.equal(ex[2]?.skipped, 'the route is disabled');
  assert.match(ex[1]?.explanation?.summary ?? '', /`\$body.temperature > 30` was false; `\$body.temperature` was 21.5/);
  assert.deepEqual(table.enrichmentsFor('eh-alerts', 'my-hub'), [{ name: 'hub', value: 'my-hub' }, { name: 'env', value: 'dev' }]);
  assert.deepEqual(table.enrichmentsFor('events', 'my-hub'), [{ name: 'env', value: 'dev' }]);
});

test('route table: one frozen decision per set of matched routes, and tables past the cache decide the same', () => {
  const file = validateRoutesFile(GOOD).file as RoutesFile;
  const table = RouteTable.compile(file);
  const a = table.route(msg({ Level: 'critical' }, { temperature: 35 }));
  const b = table.route(msg({ level: 'critical' }, { temperature: 99 }));
  assert.equal(a, b, 'the same routes matched: the same decision');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.endpoints) && Object.isFrozen(a.matched));
  assert.notEqual(table.route(msg({ level: 'info' }, { temperature: 20 })), a);
  // The fallback applies to telemetry only: the same (empty) set of matches decides differently per source.
  assert.equal(table.route(msg({ level: 'info' }, { temperature: 20 })).fallback, true);
  assert.equal(table.route(msg({}), 'DeviceConnectionStateEvents').dropped, true);
  // 40 routes (more than a mask holds): decided without the cache, with the same answers.
  const many: RoutesFile = { ...file, routes: Array.from({ length: 40 }, (_, i) => ({ name: `r${i}`, source: 'DeviceMessages' as const, condition: `n = '${i % 3}'`, endpointNames: [`e${i % 5}`], isEnabled: true })) };
  const big = RouteTable.compile(many);
  const d = big.route(msg({ n: '1' }));
  assert.deepEqual(d.matched.map((r) => r.def.name), Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 === 1).map((i) => `r${i}`));
  assert.deepEqual(d.endpoints, ['e1', 'e4', 'e2', 'e0', 'e3']);
  assert.equal(big.route(msg({ n: '7' })).fallback, true);
});
