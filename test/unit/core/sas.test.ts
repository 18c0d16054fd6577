import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SharedAccessSignature } from 'azure-iot-common';
import { SharedAccessKeyAuthenticationProvider, SharedAccessSignature as DeviceSas } from 'azure-iot-device';
import { SharedAccessSignature as ServiceSas } from 'azure-iothub';
import { formatDeviceConnectionString } from '../../../src/core/auth/connectionString';
import {
  SasTokenError, createSasToken, encodeUriComponentStrict, parseSasToken, resourceUriForDevice, resourceUriForHub,
  resourceUriForModule, sasScopeCovers, verifySasToken,
} from '../../../src/core/auth/sas';

const HOST = 'myhub.azure-devices.net';
const KEY = randomBytes(32).toString('base64');
const OTHER_KEY = randomBytes(32).toString('base64');
const NOW = new Date('2026-11-22T08:00:00.000Z');
const LATER = Math.floor(NOW.getTime() / 1000) + 3600;

test('our device token is byte-identical to azure-iot-common SharedAccessSignature.create', () => {
  const resource = resourceUriForDevice(HOST, 'dev1');
  const ours = createSasToken({ resourceUri: resource, key: KEY, expiresAtSeconds: LATER });
  // azure-iot-device's SAS helper url-encodes the resource before calling the common create.
  const sdk = SharedAccessSignature.create(encodeUriComponentStrict(resource), '', KEY, String(LATER)).toString();
  assert.equal(ours, sdk);
});

test('our policy token (skn) is byte-identical to azure-iothub style SharedAccessSignature.create(host, policy, key, se)', () => {
  const ours = createSasToken({ resourceUri: resourceUriForHub(HOST), key: KEY, keyName: 'iothubowner', expiresAtSeconds: LATER });
  const sdk = SharedAccessSignature.create(HOST, 'iothubowner', KEY, String(LATER)).toString();
  assert.equal(ours, sdk);
});

test('a token made by azure-iot-common verifies with our verifier, and theirs parses ours', () => {
  const sr = encodeUriComponentStrict(resourceUriForDevice(HOST, "d'(ev)*!1"));
  const sdk = SharedAccessSignature.create(sr, '', KEY, String(LATER)).toString();
  const r = verifySasToken(sdk, { keys: [OTHER_KEY, KEY], now: NOW, expectedResourceUri: resourceUriForDevice(HOST, "d'(ev)*!1") });
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(r.keyIndex, 1);
  assert.equal(r.token.resourceUri, `${HOST}/devices/d'(ev)*!1`);

  const ours = createSasToken({ resourceUri: resourceUriForModule(HOST, 'dev1', 'mod1'), key: KEY, keyName: 'device', expiresAtSeconds: LATER });
  const parsedBySdk = SharedAccessSignature.parse(ours, ['sr', 'sig', 'se', 'skn']) as unknown as Record<string, string>;
  const parsedByUs = parseSasToken(ours);
  assert.equal(parsedBySdk['sr'], parsedByUs.rawResourceUri);
  assert.equal(parsedBySdk['sig'], parsedByUs.fields['sig']);
  assert.equal(parsedBySdk['se'], String(parsedByUs.expiresAtSeconds));
  assert.equal(parsedBySdk['skn'], 'device');
});

test('property: for any resource, key name and expiry our token equals the SDK token and verifies', () => {
  fc.assert(fc.property(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.option(fc.stringMatching(/^[A-Za-z0-9_\-.]{1,20}$/), { nil: undefined }),
    fc.integer({ min: 1, max: 4_000_000_000 }),
    (resource, keyName, se) => {
      const ours = createSasToken({ resourceUri: resource, key: KEY, expiresAtSeconds: se, ...(keyName !== undefined ? { keyName } : {}) });
      const sdk = SharedAccessSignature.create(encodeUriComponentStrict(resource), keyName ?? '', KEY, String(se)).toString();
      assert.equal(ours, sdk);
      const r = verifySasToken(ours, { keys: [KEY], now: new Date((se - 1) * 1000), expectedResourceUri: resource.toUpperCase() });
      assert.ok(r.ok || (resource.toUpperCase().toLowerCase() !== resource.toLowerCase()), r.ok ? '' : r.message);
    },
  ), { numRuns: 200 });
});

test('fields in any order are accepted (facts doc: "fields in any order")', () => {
  const token = createSasToken({ resourceUri: resourceUriForDevice(HOST, 'dev1'), key: KEY, expiresAtSeconds: LATER });
  const fields = token.slice('SharedAccessSignature '.length).split('&');
  const reordered = `SharedAccessSignature ${[...fields].reverse().join('&')}`;
  assert.ok(verifySasToken(reordered, { keys: [KEY], now: NOW }).ok);
});

test('expired, wrong key, wrong resource, wrong key name', () => {
  const token = createSasToken({ resourceUri: resourceUriForDevice(HOST, 'dev1'), key: KEY, expiresAtSeconds: LATER });
  const expired = verifySasToken(token, { keys: [KEY], now: new Date(LATER * 1000) });
  assert.equal(expired.ok ? 'ok' : expired.reason, 'expired');
  const bad = verifySasToken(token, { keys: [OTHER_KEY], now: NOW });
  assert.equal(bad.ok ? 'ok' : bad.reason, 'bad-signature');
  // Case-insensitive, url-decoded comparison of the resource.
  assert.ok(verifySasToken(token, { keys: [KEY], now: NOW, expectedResourceUri: 'MYHUB.azure-devices.net/devices/DEV1/' }).ok);
  const wrong = verifySasToken(token, { keys: [KEY], now: NOW, expectedResourceUri: resourceUriForDevice(HOST, 'dev2') });
  assert.equal(wrong.ok ? 'ok' : wrong.reason, 'wrong-resource');
  const pred = verifySasToken(token, { keys: [KEY], now: NOW, expectedResourceUri: (sr) => sasScopeCovers(sr, `${HOST}/devices/dev1/messages/events`) });
  assert.ok(pred.ok);
  const kn = verifySasToken(token, { keys: [KEY], now: NOW, requireKeyName: 'iothubowner' });
  assert.equal(kn.ok ? 'ok' : kn.reason, 'wrong-key-name');
  assert.match(kn.ok ? '' : kn.message, /names no policy name/);
});

test('an edited token fails: changed expiry or resource', () => {
  const token = createSasToken({ resourceUri: resourceUriForDevice(HOST, 'dev1'), key: KEY, expiresAtSeconds: LATER });
  const laterExpiry = token.replace(`se=${LATER}`, `se=${LATER + 1}`);
  assert.equal((verifySasToken(laterExpiry, { keys: [KEY], now: NOW }) as { reason: string }).reason, 'bad-signature');
  const otherDevice = token.replace('dev1', 'dev2');
  assert.equal((verifySasToken(otherDevice, { keys: [KEY], now: NOW }) as { reason: string }).reason, 'bad-signature');
});

test('only the canonical base64 of the 32-byte HMAC verifies: junk, unpadded, base64url or non-canonical last char fail', () => {
  const token = createSasToken({ resourceUri: resourceUriForDevice(HOST, 'dev1'), key: KEY, expiresAtSeconds: LATER });
  const rawSig = parseSasToken(token).fields['sig'] ?? '';
  const sig = decodeURIComponent(rawSig);
  assert.equal(sig.length, 44);
  // 43 chars carry 258 bits for 256: the last data char's low 2 bits are padding, so flipping one keeps the bytes.
  const last = sig.charAt(42);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const sloppyLast = alphabet.charAt(alphabet.indexOf(last) ^ 1);
  const variants = [
    `%21%21${rawSig}%2E%2E`,
    `${rawSig}%21`,
    encodeUriComponentStrict(sig.replace(/=+$/, '')),
    encodeUriComponentStrict(sig.replace(/\+/g, '-').replace(/\//g, '_')),
    encodeUriComponentStrict(`${sig.slice(0, 42)}${sloppyLast}=`),
    encodeUriComponentStrict(`${sig.slice(0, 20)}.${sig.slice(20)}`),
  ];
  for (const v of variants) {
    if (v === rawSig) continue; // base64url of a signature with no + or / is the same string
    const forged = token.replace(`sig=${rawSig}`, `sig=${v}`);
    assert.notEqual(forged, token);
    const r = verifySasToken(forged, { keys: [KEY], now: NOW });
    assert.equal(r.ok ? 'ok' : r.reason, 'bad-signature', v);
  }
  assert.ok(verifySasToken(token, { keys: [KEY], now: NOW }).ok);
});

test('the sr is signed as sent: a differently-encoded but equal sr does not verify', () => {
  // Signing over the encoded form is what the SDK does; re-encoding on our side would accept forgeries of form only.
  const token = createSasToken({ resourceUri: resourceUriForDevice(HOST, 'dev1'), key: KEY, expiresAtSeconds: LATER });
  const unencoded = token.replace(encodeUriComponentStrict(resourceUriForDevice(HOST, 'dev1')), resourceUriForDevice(HOST, 'dev1'));
  assert.equal((verifySasToken(unencoded, { keys: [KEY], now: NOW }) as { reason: string }).reason, 'bad-signature');
});

test('malformed tokens give clear errors and never echo the signature', () => {
  const cases: Array<[string, RegExp]> = [
    ['sr=a&sig=b&se=1', /must start with 'SharedAccessSignature '/],
    ['sharedaccesssignature sr=a&sig=b&se=1', /spelled exactly/],
    ['SharedAccessSignature ', /no fields/],
    ['SharedAccessSignature sr=a&sig=SECRETSIG', /missing 'se'/],
    ['SharedAccessSignature sig=SECRETSIG&se=1', /missing 'sr'/],
    ['SharedAccessSignature sr=a&sig=SECRETSIG&se=soon', /whole seconds/],
    ['SharedAccessSignature sr=a&sig=SECRETSIG&se=1&se=2', /'se' more than once/],
    ['SharedAccessSignature sr=%E0%A4&sig=SECRETSIG&se=1', /'sr' has malformed percent-encoding/],
    ['SharedAccessSignature sr=a&=x&sig=SECRETSIG&se=1', /without a name=value form/],
    ['SharedAccessSignature sr=a &sig=SECRETSIG&se=1', /whitespace/],
  ];
  for (const [token, re] of cases) {
    assert.throws(() => parseSasToken(token), (e: unknown) => e instanceof SasTokenError && re.test(e.message) && !e.message.includes('SECRETSIG'), token);
    const r = verifySasToken(token, { keys: [KEY], now: NOW });
    assert.equal(r.ok ? 'ok' : r.reason, 'malformed', token);
  }
});

test('createSasToken rejects bad input', () => {
  assert.throws(() => createSasToken({ resourceUri: '', key: KEY, expiresAtSeconds: 1 }), SasTokenError);
  assert.throws(() => createSasToken({ resourceUri: 'h', key: '', expiresAtSeconds: 1 }), SasTokenError);
  assert.throws(() => createSasToken({ resourceUri: 'h', key: KEY, expiresAtSeconds: 1.5 }), /whole number/);
});

test('sasScopeCovers: hub token covers devices, device token does not cover another device', () => {
  assert.ok(sasScopeCovers(HOST, `${HOST}/devices/dev1`));
  assert.ok(sasScopeCovers(`${HOST}/devices/dev1`, `${HOST}/Devices/DEV1/`));
  assert.ok(!sasScopeCovers(`${HOST}/devices/dev1`, `${HOST}/devices/dev10`));
  assert.ok(!sasScopeCovers(`${HOST}/devices/dev1/modules/m`, `${HOST}/devices/dev1`));
});

// ---- the device and service SDKs' own token code, end to end ----

test('azure-iot-device SharedAccessSignature.create(host, deviceId, key, se) verifies and equals ours', () => {
  const sdk = DeviceSas.create(HOST, 'dev1', KEY, LATER).toString();
  assert.equal(sdk, createSasToken({ resourceUri: resourceUriForDevice(HOST, 'dev1'), key: KEY, expiresAtSeconds: LATER }));
  const r = verifySasToken(sdk, { keys: [KEY], now: NOW, expectedResourceUri: resourceUriForDevice(HOST, 'dev1') });
  assert.ok(r.ok);
});

test('azure-iothub SharedAccessSignature.create(host, policy, key, se) verifies with requireKeyName and equals ours', () => {
  const sdk = ServiceSas.create(HOST, 'service', KEY, String(LATER)).toString();
  assert.equal(sdk, createSasToken({ resourceUri: HOST, key: KEY, keyName: 'service', expiresAtSeconds: LATER }));
  const r = verifySasToken(sdk, { keys: [OTHER_KEY, KEY], now: NOW, requireKeyName: 'service', expectedResourceUri: (sr) => sasScopeCovers(sr, `${HOST}/devices/dev1`) });
  assert.ok(r.ok && r.keyIndex === 1 && r.token.keyName === 'service');
});

test('the token the device SDK sends when connecting with our device connection string verifies (device and module)', async () => {
  for (const moduleId of [undefined, 'mod1']) {
    const cs = formatDeviceConnectionString({ hostName: HOST, deviceId: 'dev1', sharedAccessKey: KEY, ...(moduleId ? { moduleId } : {}) });
    const provider = SharedAccessKeyAuthenticationProvider.fromConnectionString(cs, 3600, 600);
    try {
      const creds = await provider.getDeviceCredentials();
      const token = creds.sharedAccessSignature;
      assert.ok(token !== undefined);
      const expected = moduleId ? resourceUriForModule(HOST, 'dev1', moduleId) : resourceUriForDevice(HOST, 'dev1');
      const r = verifySasToken(token, { keys: [KEY], now: new Date(), expectedResourceUri: expected });
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.ok(r.token.expiresAtSeconds > Date.now() / 1000);
    } finally {
      provider.stop();
    }
  }
});
