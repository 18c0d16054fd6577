// Routing conditions against messages with the results IoT Hub documents
// (iot-hub-devguide-routing-query-syntax and the query language's "Expressions and conditions"),
// including every example condition of that page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition, type RoutingMessage } from '../../../src/core/routing/condition';

const enc = new TextEncoder();

/** The documentation's example message body (the Node.js sample of the routing query page). */
const WEATHER = {
  Weather: {
    Temperature: 50, Time: '2017-03-09T00:00:00.000Z', PrevTemperatures: [20, 30, 40], IsEnabled: true,
    Location: { Street: 'One Microsoft Way', City: 'Redmond', State: 'WA' },
    HistoricalData: [{ Month: 'Feb', Temperature: 40 }, { Month: 'Jan', Temperature: 30 }],
  },
};

function msg(init: { sys?: Record<string, string>; app?: Record<string, string>; body?: unknown; raw?: Uint8Array } = {}): RoutingMessage {
  return {
    systemProperties: { ...(init.sys ?? {}) },
    applicationProperties: Object.entries(init.app ?? {}).map(([name, value]) => ({ name, value })),
    body: init.raw ?? (init.body === undefined ? new Uint8Array() : enc.encode(JSON.stringify(init.body))),
  };
}

const jsonSys = { contentType: 'application/json', contentEncoding: 'utf-8' };
/** The docs' message: system properties, application properties, the weather body. */
const DOC_MSG = (): RoutingMessage => msg({
  sys: { contentType: 'application/json', contentEncoding: 'UTF-8', messageSource: 'deviceMessages', enqueuedTime: '2017-05-08T18:55:31.8514657Z', connectionDeviceId: 'myDevice' },
  app: { processingPath: 'hot', verbose: 'true', severity: '3', testDevice: 'false', Status: 'Active' },
  body: WEATHER,
});

function check(condition: string, m: RoutingMessage, expected: boolean): void {
  const r = parseCondition(condition);
  assert.ok(r.ok, `${condition}: ${r.ok ? '' : r.error.message}`);
  assert.equal(r.condition.evaluate(m), expected, condition);
  assert.equal(r.condition.explain(m).result, expected, `explain agrees for ${condition}`);
}

test('documentation examples: message properties', () => {
  const m = DOC_MSG();
  check("$contentEncoding = 'UTF-8'", m, true);
  check("processingPath = 'hot'", m, true);
  check("$contentEncoding = 'UTF-8' AND processingPath = 'hot'", m, true);
  check("processingPath = 'cold'", m, false);
  check("messageType = 'alerts' AND as_number(severity) <= 2", msg({ app: { messageType: 'alerts', severity: '2' } }), true);
  check("messageType = 'alerts' AND as_number(severity) <= 2", msg({ app: { messageType: 'alerts', severity: '3' } }), false);
  check("messageType = 'telemetry'", msg({ app: { messageType: 'telemetry' } }), true);
});

test('documentation examples: message body', () => {
  const m = DOC_MSG();
  check("$body.Weather.HistoricalData[0].Month = 'Feb'", m, true);
  check('$body.Weather.Temperature = 50 AND $body.Weather.IsEnabled', m, true);
  check('length($body.Weather.Location.State) = 2', m, true);
  check("$body.Weather.Temperature = 50 AND processingPath = 'hot'", m, true);
  check("$body.Weather.HistoricalData[1].Month = 'Feb'", m, false);
  // "You can't run queries or functions on the entire body reference ... returns undefined."
  check("$body[0] = 'Feb'", msg({ sys: jsonSys, body: ['Feb'] }), false);
  // Twin change notification bodies.
  const twinChange = msg({ sys: jsonSys, body: { properties: { desired: { telemetryConfig: { sendFrequency: 12 } } } } });
  check('$body.properties.desired.telemetryConfig.sendFrequency > 10', twinChange, true);
  check('is_defined($body.properties.desired.telemetryConfig.sendFrequency)', twinChange, true);
  check('is_defined($body.properties.desired.telemetryConfig.other)', twinChange, false);
});

test('documentation examples: twin conditions parse, are reported as unavailable locally, and do not route', () => {
  for (const c of ["$twin.properties.desired.telemetryConfig.sendFrequency = '5m'", "$body.Weather.Temperature = 50 AND $twin.properties.desired.telemetryConfig.sendFrequency = '5m'", '$twin.tags.deploymentLocation.floor = 1']) {
    const r = parseCondition(c);
    assert.ok(r.ok, c);
    assert.equal(r.condition.usesTwin, true);
    assert.equal(r.condition.evaluate(DOC_MSG()), false);
    const e = r.condition.explain(DOC_MSG());
    assert.equal(e.twinUnavailable, true);
    assert.ok(e.notes.some((n) => n.includes('not available on the local hub')), e.notes.join('|'));
  }
  // A twin reference that cannot decide: `true OR $twin...` still routes.
  check("processingPath = 'hot' OR $twin.tags.x = 1", DOC_MSG(), true);
});

test('the body is queried only as application/json in utf-8, utf-16 or utf-32', () => {
  const body = { temperature: 31 };
  check('$body.temperature > 30', msg({ sys: jsonSys, body }), true);
  check('$body.temperature > 30', msg({ sys: { contentType: 'APPLICATION/JSON', contentEncoding: 'UTF-8' }, body }), true);
  check('$body.temperature > 30', msg({ sys: { contentType: 'text/plain', contentEncoding: 'utf-8' }, body }), false);
  check('$body.temperature > 30', msg({ sys: { contentType: 'application/json' }, body }), false);
  check('$body.temperature > 30', msg({ sys: { contentEncoding: 'utf-8' }, body }), false);
  check('$body.temperature > 30', msg({ sys: { contentType: 'application/json', contentEncoding: 'base64' }, body }), false);
  const text = JSON.stringify(body);
  const utf16 = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) utf16[i * 2] = text.charCodeAt(i);
  check('$body.temperature > 30', msg({ sys: { contentType: 'application/json', contentEncoding: 'utf-16' }, raw: utf16 }), true);
  const utf32 = new Uint8Array(text.length * 4);
  for (let i = 0; i < text.length; i++) utf32[i * 4] = text.charCodeAt(i);
  check('$body.temperature > 30', msg({ sys: { contentType: 'application/json', contentEncoding: 'utf-32' }, raw: utf32 }), true);
  // Not JSON: every body condition is false, even a negated one; property conditions still work.
  const bad = msg({ sys: jsonSys, raw: enc.encode('{"temperature": 31') , app: { a: 'x' } });
  check('$body.temperature > 30', bad, false);
  check('NOT ($body.temperature > 30)', bad, false);
  check('NOT is_defined($body.temperature)', bad, true);
  check("a = 'x'", bad, true);
});

test('system properties: documented names and wire names, any case', () => {
  const m = msg({ sys: { connectionDeviceId: 'd1', connectionModuleId: 'm1', enqueuedTimeUtc: '2026-01-01T00:00:00Z', messageId: 'id-1', correlationId: 'c-1', userId: 'u', to: '/x', dtDataSchema: 'dtmi:x;1', dtSubject: 'thermostat1', connectionAuthMethod: '{"scope":"device"}' } });
  check("$connectionDeviceId = 'd1'", m, true);
  check("$connectiondeviceid = 'd1'", m, true);
  check("$iothub-connection-device-id = 'd1'", m, true);
  check("$connectionModuleId = 'm1'", m, true);
  check("$iothub-enqueuedtime > '2025'", m, true);
  check("$enqueuedTime < '2027'", m, true);
  check("$messageId = 'id-1' AND $correlationId = 'c-1' AND $userId = 'u' AND $to = '/x'", m, true);
  check("$dt-dataschema = 'dtmi:x;1' AND $dt-subject = 'thermostat1'", m, true);
  check("CONTAINS($iothub-connection-auth-method, 'device')", m, true);
  check("$contentType = 'application/json'", m, false);
  check('IS_DEFINED($contentType)', m, false);
  // Wire names as keys work too.
  check("$contentType = 'application/json'", msg({ sys: { 'content-type': 'application/json' } }), true);
  // A $name that is no system property is looked up among the application properties.
  check("$custom = 'v'", msg({ app: { $custom: 'v' } }), true);
});

test('application properties are matched ignoring case and are strings', () => {
  const m = msg({ app: { Level: 'critical', count: '5' } });
  check("level = 'critical'", m, true);
  check("LEVEL = 'critical'", m, true);
  check("level = 'CRITICAL'", m, false);
  check('count = 5', m, false); // a string against a number is undefined
  check("count = '5'", m, true);
  check('AS_NUMBER(count) = 5', m, true);
  check('AS_NUMBER(level) = 5', m, false);
  check('NOT (count = 5)', m, false); // NOT undefined is undefined
  check('missing = 1', m, false);
  check('NOT IS_DEFINED(missing)', m, true);
});

test('literals, comparison, logic and arithmetic follow the documented language', () => {
  const m = msg({ sys: jsonSys, body: { n: 10, s: 'abc', b: true, z: null, arr: [1, 2], o: { k: 1 } } });
  const truths = [
    'true', '', '   ', 'TRUE', '1 = 1', '1 <> 2', '1 != 2', '2 > 1', '2 >= 2', '1 < 2', '1 <= 1', "'a' < 'b'", '"x" = \'x\'',
    "'it\\'s' = \"it's\"", "'\\u0041' = 'A'", '0x1F = 31', '1.5e1 = 15', '-3 < 0', '2 + 3 * 4 = 14', '(2 + 3) * 4 = 20', '7 % 4 = 3',
    '10 / 4 = 2.5', '$body.n - 4 = 6', '-$body.n = -10', 'NOT false', 'NOT NOT true', 'true AND true', 'false OR true',
    'true OR $body.missing', 'NOT (false AND $body.missing)', 'null = null', '$body.z = null', 'IS_NULL($body.z)',
    '$body.b', '$body.b = true', 'true AND (false OR true)', 'not false and not false', '1 = 1 = true',
  ];
  for (const c of truths) check(c, m, true);
  const falses = [
    'false', 'null', 'undefined', "'true'", '1', '1 = 2', "1 = '1'", '$body.missing', '$body.s', '$body.o = $body.o', '$body.arr = $body.arr',
    '$body.n / 0 = 1', 'true AND $body.missing', 'false OR $body.missing', 'NOT $body.missing', 'NOT null',
    "$body.s + 'x' = 'abcx'", '$body.z < 1', '$body.missing = $body.missing', 'NOT (1 = 1)', 'NOT 1',
  ];
  for (const c of falses) check(c, m, false);
});

test('functions: math, type checks and strings as documented', () => {
  const m = msg({ sys: jsonSys, body: { n: -2.5, s: 'Hello World', arr: [1], o: {}, b: false, z: null } });
  const truths = [
    'ABS($body.n) = 2.5', 'EXP(0) = 1', 'POWER(2, 10) = 1024', 'SQUARE(3) = 9', 'CEILING($body.n) = -2', 'FLOOR($body.n) = -3',
    'SIGN($body.n) = -1', 'SIGN(0) = 0', 'SQRT(16) = 4', "AS_NUMBER('12.5') = 12.5", 'AS_NUMBER(3) = 3', "NOT IS_DEFINED(AS_NUMBER('12a'))",
    'IS_ARRAY($body.arr)', 'IS_BOOL($body.b)', 'IS_DEFINED($body.z)', 'IS_NULL($body.z)', 'IS_NUMBER($body.n)', 'IS_OBJECT($body.o)',
    'IS_PRIMITIVE($body.s)', 'IS_PRIMITIVE($body.z)', 'NOT IS_PRIMITIVE($body.o)', 'IS_STRING($body.s)', 'NOT IS_STRING($body.n)',
    "CONCAT($body.s, '!', '?') = 'Hello World!?'", 'LENGTH($body.s) = 11', "LOWER($body.s) = 'hello world'", "UPPER($body.s) = 'HELLO WORLD'",
    "SUBSTRING($body.s, 6) = 'World'", "SUBSTRING($body.s, 0, 5) = 'Hello'", "INDEX_OF($body.s, 'World') = 6", "INDEX_OF($body.s, 'x') = -1",
    "STARTS_WITH($body.s, 'Hell')", "ENDS_WITH($body.s, 'rld')", "CONTAINS($body.s, 'o W')", "contains(lower($body.s), 'world')",
    'NOT IS_DEFINED(SQRT(-1))', 'NOT IS_DEFINED(LENGTH($body.n))', "NOT IS_DEFINED(CONCAT($body.s, 1))",
  ];
  for (const c of truths) check(c, m, true);
  check("STARTS_WITH($body.missing, 'a')", m, false);
  check('ABS($body.s) = 1', m, false);
});

test('syntax errors name the offset, the length and what was expected', () => {
  const cases: Array<[string, number, number, RegExp, string?]> = [
    ['a ==', 2, 2, /single '='/],
    ['a = (1', 6, 0, /Expected '\)'/, ')'],
    ['ROUND(1.5) = 2', 0, 5, /Unknown function 'ROUND'/, 'ABS'],
    ["x = 'open", 4, 5, /Unterminated string/],
    ['a AND', 5, 0, /after AND/, 'NOT'],
    ['a || b', 2, 2, /CONCAT/],
    ['a && b', 2, 2, /AND/],
    ['1 +', 3, 0, /after '\+'/],
    ['LENGTH()', 0, 8, /LENGTH takes 1 argument/],
    ['CONCAT(a)', 0, 9, /at least 2/],
    ['SUBSTRING(a, 1, 2, 3)', 0, 21, /2 to 3/],
    ['$body.', 5, 1, /property name after '\.'/],
    ['$body.a[', 8, 0, /array index/],
    ['$body.a[0', 9, 0, /Expected '\]'/],
    ['a = 1 b', 6, 1, /Unexpected 'b'/, 'AND'],
    ['()', 1, 1, /inside the parentheses/],
    ["'a' = '\\x'", 7, 2, /Invalid escape/],
    ['a # b', 2, 1, /Unexpected character '#'/],
    ['body.temperature > 1', 4, 1, /\$body/],
    ['12abc = 1', 0, 5, /cannot start with a digit/],
    ['$ = 1', 0, 1, /'\$' must be followed/],
    ['a = 1)', 5, 1, /Unexpected '\)'/],
    ['NOT', 3, 0, /after NOT/],
  ];
  for (const [text, offset, length, message, expected] of cases) {
    const r = parseCondition(text);
    assert.ok(!r.ok, `${text} should not parse`);
    assert.equal(r.error.offset, offset, `${text}: offset (${r.error.message})`);
    assert.equal(r.error.length, length, `${text}: length (${r.error.message})`);
    assert.match(r.error.message, message, text);
    if (expected !== undefined) assert.ok(r.error.expected.includes(expected), `${text}: expected ${r.error.expected.join(',')}`);
  }
});

test('usesBody and usesTwin', () => {
  const p = (c: string) => { const r = parseCondition(c); assert.ok(r.ok); return r.condition; };
  assert.equal(p("a = 'x'").usesBody, false);
  assert.equal(p('$body.a = 1').usesBody, true);
  assert.equal(p('LENGTH($body.a) = 1').usesBody, true);
  assert.equal(p('$twin.tags.a = 1').usesTwin, true);
  assert.equal(p('$body.a = 1').usesTwin, false);
});

test('the parsed body is cached on the message and shared by conditions', () => {
  const m = msg({ sys: jsonSys, body: { t: 1 } });
  const a = parseCondition('$body.t = 1');
  const b = parseCondition('$body.t > 0');
  assert.ok(a.ok && b.ok);
  assert.equal(a.condition.evaluate(m), true);
  const cached = m.parsedBody;
  assert.ok(cached?.ok);
  assert.equal(b.condition.evaluate(m), true);
  assert.equal(m.parsedBody, cached);
});

test('a body path reaches only the JSON document, never JavaScript prototypes', () => {
  const m = msg({ sys: jsonSys, body: { a: {} } });
  check('IS_DEFINED($body.constructor)', m, false);
  check('IS_DEFINED($body.a.toString)', m, false);
  check('IS_DEFINED($body.__proto__)', m, false);
  check('$body.__proto__.x = 1', msg({ sys: jsonSys, raw: enc.encode('{"__proto__": {"x": 1}}') }), true);
});
