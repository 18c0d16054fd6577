// What the one secret scrubber (src/core/redactSecrets.ts) removes from log lines and error text.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSasToken } from '../../../src/core/auth/sas';
import { redactSecrets } from '../../../src/core/redactSecrets';

const key = Buffer.alloc(32, 7).toString('base64');

test('redactSecrets: keys in IoT Hub, device and Event Hubs connection strings', () => {
  for (const cs of [
    `HostName=h.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${key}`,
    `HostName=h.azure-devices.net;DeviceId=d1;SharedAccessKey=${key}`,
    `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${key};EntityPath=h`,
  ]) {
    const out = redactSecrets(`connecting with ${cs}`);
    assert.ok(!out.includes(key), out);
    assert.match(out, /SharedAccessKey=<redacted>/);
  }
  assert.equal(redactSecrets(`"SharedAccessKey=${key}"`), '"SharedAccessKey=<redacted>"');
});

test('redactSecrets: a SAS token, whole, and a bare signature in a URL', () => {
  const token = createSasToken({ resourceUri: 'h.azure-devices.net/devices/d1', key, expiresAtSeconds: 2_000_000_000 });
  const out = redactSecrets(`Authorization: ${token} refused`);
  assert.equal(out, 'Authorization: SharedAccessSignature <redacted> refused');
  const sig = /sig=([^&]+)/.exec(token)![1]!;
  assert.equal(redactSecrets(`GET /x?sr=a&sig=${sig}&se=1`), 'GET /x?sr=a&sig=<redacted>&se=1');
});

test('redactSecrets: text without secrets is unchanged', () => {
  const text = 'device d1 sent 3 messages; SharedAccessKeyName=iothubowner';
  assert.equal(redactSecrets(text), text);
});
