import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ConnectionString } from 'azure-iot-common';
import { ConnectionString as DeviceConnectionString } from 'azure-iot-device';
import { ConnectionString as ServiceConnectionString } from 'azure-iothub';
import {
  ConnectionStringError, formatDeviceConnectionString, formatHubConnectionString, parseConnectionString,
  parseDeviceConnectionString, parseHubConnectionString,
} from '../../../src/core/auth/connectionString';
import { createSasToken } from '../../../src/core/auth/sas';

const KEY = randomBytes(32).toString('base64'); // 44 chars, ends with '='
const HUB = `HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`;
const DEVICE = `HostName=myhub.azure-devices.net;DeviceId=dev1;SharedAccessKey=${KEY}`;

test('hub connection string as the Azure portal shows it', () => {
  assert.deepEqual(parseHubConnectionString(HUB), {
    hostName: 'myhub.azure-devices.net', sharedAccessKeyName: 'iothubowner', sharedAccessKey: KEY, hubName: 'myhub',
  });
  assert.equal(formatHubConnectionString(parseHubConnectionString(HUB)), HUB);
});

test('device connection string, with module and gateway, round trips', () => {
  assert.deepEqual(parseDeviceConnectionString(DEVICE), { hostName: 'myhub.azure-devices.net', deviceId: 'dev1', sharedAccessKey: KEY });
  const mod = `${DEVICE.replace(';SharedAccessKey', ';ModuleId=m1;SharedAccessKey')};GatewayHostName=edge.local`;
  const parsed = parseDeviceConnectionString(mod);
  assert.equal(parsed.moduleId, 'm1');
  assert.equal(parsed.gatewayHostName, 'edge.local');
  assert.equal(formatDeviceConnectionString(parsed), mod);
  assert.deepEqual(parseDeviceConnectionString('HostName=localhost:8883;DeviceId=d;x509=true'), { hostName: 'localhost:8883', deviceId: 'd', x509: true });
});

test('SharedAccessSignature in a device connection string keeps its & and = characters', () => {
  const token = createSasToken({ resourceUri: 'myhub.azure-devices.net/devices/dev1', key: KEY, expiresAtSeconds: 2_000_000_000 });
  const parsed = parseDeviceConnectionString(`HostName=myhub.azure-devices.net;DeviceId=dev1;SharedAccessSignature=${token}`);
  assert.equal(parsed.sharedAccessSignature, token);
});

test('agrees with azure-iot-common ConnectionString.parse (names case-sensitive, value runs to the next ;)', () => {
  for (const s of [HUB, DEVICE, `${DEVICE};`, 'A=1;a=2;B=x=y==']) {
    assert.deepEqual({ ...parseConnectionString(s) }, { ...ConnectionString.parse(s) }, s);
  }
});

test('property: any Name=value map with values free of ";" round trips like the SDK', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/), fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !v.includes(';') && v.trim() === v && v.length > 0)), { selector: (t) => t[0], maxLength: 6, minLength: 1 }),
    (pairs) => {
      const s = pairs.map(([k, v]) => `${k}=${v}`).join(';');
      const expected = Object.fromEntries(pairs);
      assert.deepEqual(parseConnectionString(s), expected);
      assert.deepEqual({ ...ConnectionString.parse(s) }, expected);
    },
  ), { numRuns: 200 });
});

function throwsCs(s: string, re: RegExp, check?: (e: ConnectionStringError) => boolean): void {
  assert.throws(
    () => parseDeviceConnectionString(s),
    (e: unknown) => e instanceof ConnectionStringError && re.test(e.message) && !e.message.includes(KEY) && (check === undefined || check(e)),
    s,
  );
}

test('malformed device connection strings: each names what is missing or wrong, never the key', () => {
  throwsCs('', /empty/);
  throwsCs(`HostName=h;DeviceId=d;${KEY}`, /Part 3 .* is not Name=value \(its text is not shown\)/);
  // Keys with and without '+' or '/' (an alphanumeric key looks like "Name=" with an empty value).
  throwsCs('HostName=h;DeviceId=d;AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG=', /Part 3 .* is not Name=value/);
  throwsCs('HostName=h;DeviceId=d;0bCd+fGhIjKlMnOpQrSt/vWxYz0123456789AbCdEfG=', /Part 3 .* is not Name=value/);
  throwsCs(`HostName=h;DeviceId=;SharedAccessKey=${KEY}`, /Part 2 .* is not Name=value/);
  throwsCs(`HostName=h;DeviceId=d;${KEY.slice(0, 20)}`, /Part 3 .* has no '='/);
  throwsCs(`HostName=h;=x;DeviceId=d;SharedAccessKey=${KEY}`, /Part 2 .* no name/);
  throwsCs(`HostName=h;DeviceId=d;DeviceId=e;SharedAccessKey=${KEY}`, /sets DeviceId more than once/);
  throwsCs(`HostName=h;SharedAccessKey=${KEY}`, /missing DeviceId/, (e) => e.missing.includes('DeviceId'));
  throwsCs(`hostname=h;deviceId=d;SharedAccessKey=${KEY}`, /missing HostName \(found 'hostname'; names are case-sensitive\), DeviceId \(found 'deviceId'/);
  throwsCs('HostName=h;DeviceId=d', /needs one of SharedAccessKey, SharedAccessSignature or x509=true/);
  throwsCs(`HostName=h;DeviceId=d;SharedAccessKey=${KEY};x509=true`, /more than one/);
  throwsCs('HostName=h;DeviceId=d;SharedAccessKey=not base64!', /not valid base64 \(the value is not shown\)/);
  throwsCs('HostName=h;DeviceId=d;SharedAccessSignature=sr=x', /does not start with 'SharedAccessSignature '/);
  throwsCs(`HostName=bad host;DeviceId=d;SharedAccessKey=${KEY}`, /HostName 'bad host' is not a host name/);
  throwsCs(`HostName=h;DeviceId=d;x509=yes`, /x509 must be true or false/);
  throwsCs(HUB, /This is an IoT Hub \(service\) connection string/);
});

test('malformed hub connection strings', () => {
  assert.throws(() => parseHubConnectionString(DEVICE), /This is a device connection string/);
  assert.throws(() => parseHubConnectionString('HostName=h;SharedAccessKeyName=p'), (e: unknown) => e instanceof ConnectionStringError && /missing SharedAccessKey/.test(e.message) && e.missing.includes('SharedAccessKey'));
  assert.throws(() => parseHubConnectionString('HostName=h;SharedAccessKeyName=p;SharedAccessKey=%%%'), /not valid base64/);
  assert.throws(() => formatHubConnectionString({ hostName: 'h;x', sharedAccessKeyName: 'p', sharedAccessKey: KEY }), /cannot contain ';'/);
});

test('the SDKs parse what we format, and we parse what the device SDK formats', () => {
  const hub = formatHubConnectionString({ hostName: 'myhub.azure-devices.net', sharedAccessKeyName: 'service', sharedAccessKey: KEY });
  const svc = ServiceConnectionString.parse(hub) as unknown as Record<string, string>;
  assert.deepEqual([svc['HostName'], svc['SharedAccessKeyName'], svc['SharedAccessKey']], ['myhub.azure-devices.net', 'service', KEY]);
  const dev = formatDeviceConnectionString({ hostName: 'localhost', deviceId: 'dev-1', moduleId: 'm', sharedAccessKey: KEY });
  const parsed = DeviceConnectionString.parse(dev) as unknown as Record<string, string>;
  assert.deepEqual([parsed['HostName'], parsed['DeviceId'], parsed['ModuleId'], parsed['SharedAccessKey']], ['localhost', 'dev-1', 'm', KEY]);
  assert.deepEqual(parseDeviceConnectionString(DeviceConnectionString.createWithSharedAccessKey('h.example', 'd1', KEY)), { hostName: 'h.example', deviceId: 'd1', sharedAccessKey: KEY });
  assert.deepEqual(parseDeviceConnectionString(DeviceConnectionString.createWithX509Certificate('h.example', 'd1')), { hostName: 'h.example', deviceId: 'd1', x509: true });
});
