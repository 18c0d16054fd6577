// The routes file language rules (diagnostics at the exact characters, completion) and the route
// tester's lenses and report, in plain Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoutesFileText } from '../../../src/core/routing/routesFile';
import { RouteTable } from '../../../src/core/routing/routeTable';
import { formatRouteReport } from '../../../src/core/routing/report';
import { routingMessageFromIotMessage } from '../../../src/core/routing/message';
import { analyse } from '../../../src/language/rules/diagnose';
import { routeLenses } from '../../../src/language/rules/routeLenses';
import { completeRoutes } from '../../../src/language/rules/routesComplete';
import { analyseRoutesDocument } from '../../../src/language/rules/routesDocument';

const ROUTES = `{
  "routes": [
    { "name": "alerts", "source": "DeviceMessages", "condition": "level = 'critical'", "endpointNames": ["eh-alerts"], "isEnabled": true },
    { "name": "hot", "source": "DeviceMessages", "condition": "$body.temperature > 30", "endpointNames": ["eh-alerts"], "isEnabled": true }
  ],
  "fallbackRoute": { "isEnabled": false },
  "endpoints": { "eventHubs": [{ "name": "eh-alerts" }], "storageContainers": [] },
  "enrichments": []
}`;

test('a condition syntax error is underlined at the characters inside the JSON string, escapes counted as written', () => {
  const text = '{"routes":[{"name":"r","source":"DeviceMessages","condition":"a = \\"x\\" AND","endpointNames":["events"],"isEnabled":true}]}';
  const a = analyseRoutesDocument(text);
  const d = a.diagnostics.find((x) => x.code === 'condition-syntax');
  assert.ok(d, JSON.stringify(a.diagnostics));
  // The condition decodes to `a = "x" AND` (11 characters); the error is at its end, which in the
  // source sits just before the closing quote.
  const closing = text.indexOf('","endpointNames"');
  assert.equal(d.start, closing);
  assert.equal(d.end, closing);
  assert.match(d.message, /after AND/);
  const bad = '{"routes":[{"name":"r","source":"DeviceMessages","condition":"ROUND(\\u0031) = 1","endpointNames":["events"],"isEnabled":true}]}';
  const e = analyseRoutesDocument(bad).diagnostics.find((x) => x.code === 'condition-syntax');
  assert.equal(bad.slice(e?.start, e?.end), 'ROUND');
});

test('unknown endpoints, duplicate names and unknown fields are placed on their own characters', () => {
  const text = `{
  "routes": [
    { "name": "a", "source": "DeviceMessages", "condition": "true", "endpointNames": ["nowhere"], "isEnabled": true },
    { "name": "a", "source": "DeviceMessages", "condition": "true", "endpointNames": ["events"], "isEnabled": true, "colour": "red" }
  ]
}`;
  const a = analyseRoutesDocument(text);
  const at = (code: string) => a.diagnostics.filter((d) => d.code === code).map((d) => text.slice(d.start, d.end));
  assert.deepEqual(at('unknown-endpoint'), ['"nowhere"']);
  assert.deepEqual(at('duplicate-name'), ['"a"']);
  assert.equal(a.diagnostics.find((d) => d.code === 'duplicate-name')?.start, text.lastIndexOf('"a"'));
  assert.deepEqual(at('unknown-field'), ['"colour"']);
  assert.equal(a.file, undefined);
  const syntax = analyseRoutesDocument('{ "routes": [ }');
  assert.equal(syntax.diagnostics[0]?.code, 'json-syntax');
  assert.equal(analyseRoutesDocument(ROUTES).diagnostics.length, 0);
});

test('completion in a condition: system properties after $, functions and the workspace\'s property names otherwise', () => {
  const text = '{"routes":[{"name":"r","condition":"$con AND le"}]}';
  const afterDollar = text.indexOf('$con') + 4;
  const sys = completeRoutes(text, afterDollar, undefined);
  assert.ok(sys.some((i) => i.label === '$connectionDeviceId'));
  assert.ok(sys.some((i) => i.label === '$body'));
  assert.deepEqual(sys[0]?.range, { start: afterDollar - 4, end: afterDollar });
  const word = text.indexOf(' le"') + 3;
  const other = completeRoutes(text, word, undefined, { applicationPropertyNames: ['level', 'schema-version'] });
  assert.ok(other.some((i) => i.label === 'STARTS_WITH' && i.isSnippet));
  assert.ok(other.some((i) => i.label === 'level'));
  assert.ok(!other.some((i) => i.label === 'schema-version'), 'a name a condition cannot write bare is not offered');
  assert.ok(other.some((i) => i.label === 'AND'));
  const eps = completeRoutes(ROUTES, ROUTES.indexOf('"eh-alerts"') + 2, analyseRoutesDocument(ROUTES).root);
  assert.deepEqual(eps.map((i) => i.label), ['events', 'eh-alerts']);
});

test('route lenses say where each D2C message goes; C2D messages get none', () => {
  const file = parseRoutesFileText(ROUTES).file;
  assert.ok(file);
  const table = RouteTable.compile(file);
  const messages = `[
  { "direction": "d2c", "deviceId": "t1", "applicationProperties": { "Level": "critical" }, "body": "x" },
  { "direction": "d2c", "deviceId": "t1", "systemProperties": { "contentType": "application/json", "contentEncoding": "utf-8" }, "body": { "temperature": 21.5 } },
  { "direction": "c2d", "deviceId": "t1", "body": "x" }
]`;
  const lenses = routeLenses(analyse(messages), table);
  assert.deepEqual(lenses.map((l) => l.title), ['routes: alerts -> eh-alerts; fallback: no', 'routes: none; fallback: off, message dropped']);
  assert.deepEqual(lenses.map((l) => l.messageIndex), [0, 1]);
  const m = analyse(messages).messages[1];
  assert.ok(m);
  const report = formatRouteReport(table, routingMessageFromIotMessage(m.message), { routeName: 'hot' });
  assert.match(report, /`\$body.temperature > 30` was false; `\$body.temperature` was 21.5/);
  assert.match(report, /## hot → eh-alerts: does not match/);
  assert.doesNotMatch(report, /## alerts/);
});
