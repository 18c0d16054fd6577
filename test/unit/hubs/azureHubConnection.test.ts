// The Azure IoT Hub implementation (official service SDK) against the local hub standing in for
// Azure: the shared contract (hubContract.ts, also run for the local implementation), then what only
// Azure does (queue contents private, consumer groups in ARM), and bad input: a malformed connection
// string, a wrong key, a host name that does not resolve - each a clear message, nothing stored.
// The local hub runs on ephemeral ports here; the SDK reaches it through the test-only LocalTrust
// (its CA and ports). bench/azure.bench.ts runs the same code against IoT Hub's standard ports.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseHubConnectionString } from '../../../src/core/auth/connectionString';
import { AzureHubConnection, azureDeviceToHubDevice, parseFeedbackBody } from '../../../src/hubs/azure/azureHubConnection';
import { redactSecrets } from '../../../src/hubs/azure/azureErrors';
import { HubRequestError } from '../../../src/hubs/hubConnection';
import { startTestHub, type TestHub } from '../hub/testHub';
import { azureStyle, trustOf } from './azureTestHub';


describe('AzureHubConnection', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(async () => {
    await t.close();
  });

  it('says queue contents are private and consumer groups are managed in Azure', async () => {
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t), consumerGroups: ['monitor'] });
    try {
      await assert.rejects(hub.peekQueue('x'), (e) => e instanceof HubRequestError && e.kind === 'unsupported' && /private/.test(e.message));
      assert.deepEqual(await hub.listConsumerGroups(), ['$Default', 'monitor']);
      await assert.rejects(hub.createConsumerGroup('cg'), (e) => e instanceof HubRequestError && e.kind === 'unsupported' && /portal/.test(e.message));
      const mqtt = await hub.deviceMqttEndpoint();
      assert.equal(mqtt.hostName, 'localhost');
    } finally {
      hub.dispose();
    }
  });

  it('uses a given Event Hubs-compatible connection string as is, with the WebSocket choice', async () => {
    const given = 'Endpoint=sb://ihsu.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=a2V5;EntityPath=myhub-ehub';
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t), eventHubsConnectionString: given, webSockets: true });
    try {
      assert.deepEqual(await hub.eventHubsEndpoint(), { connectionString: given, eventHubName: 'myhub-ehub', emulator: false, webSockets: true });
    } finally {
      hub.dispose();
    }
  });

  it('refuses a malformed connection string at once, naming what is wrong', () => {
    assert.throws(() => new AzureHubConnection({ connectionString: 'HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner' }), /SharedAccessKey/);
    assert.throws(() => new AzureHubConnection({ connectionString: 'not a connection string' }), /HostName|connection string/i);
    assert.throws(() => new AzureHubConnection({ connectionString: 'HostName=myhub.azure-devices.net;DeviceId=d1;SharedAccessKey=a2V5' }), /device connection string/);
  });

  it('a wrong key: unauthorized, with what to check, and no key in the message', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const hub = new AzureHubConnection({ connectionString: azureStyle(t, wrong), localTrust: trustOf(t) });
    try {
      await assert.rejects(hub.getDevice('any'), (e) => e instanceof HubRequestError && e.kind === 'unauthorized' && /SharedAccessKey/.test(e.message) && !e.message.includes(wrong));
      assert.equal(hub.status.state, 'failed');
    } finally {
      hub.dispose();
    }
  });

  it('a host name that does not resolve: unreachable, naming the host', async () => {
    const cs = parseHubConnectionString(azureStyle(t));
    const hub = new AzureHubConnection({ connectionString: `HostName=no-such-hub.invalid;SharedAccessKeyName=${cs.sharedAccessKeyName};SharedAccessKey=${cs.sharedAccessKey}` });
    try {
      await assert.rejects(hub.open(), (e) => e instanceof HubRequestError && e.kind === 'unreachable' && /no-such-hub\.invalid/.test(e.message) && /resolve/.test(e.message));
    } finally {
      hub.dispose();
    }
  });

  it('open is cancellable', async () => {
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t) });
    try {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(hub.open({ signal: ac.signal }), /Cancelled/);
    } finally {
      hub.dispose();
    }
  });
});

describe('Azure shapes', () => {
  it('maps a query twin and a registry device to the same HubDevice fields', () => {
    const twin = azureDeviceToHubDevice({ deviceId: 'd', etag: 'AAAA', deviceEtag: 'MTIz', status: 'disabled', statusReason: 'r', statusUpdateTime: '0001-01-01T00:00:00Z', connectionState: 'Connected', lastActivityTime: '2026-12-07T10:00:00Z', cloudToDeviceMessageCount: 3, authenticationType: 'selfSigned' });
    assert.deepEqual(twin, { deviceId: 'd', generationId: '', etag: 'MTIz', status: 'disabled', statusReason: 'r', connectionState: 'Connected', lastActivityTime: '2026-12-07T10:00:00Z', cloudToDeviceMessageCount: 3, authType: 'selfSigned' });
    const device = azureDeviceToHubDevice({ deviceId: 'd', generationId: 'g', etag: 'MTIz', status: 'enabled', connectionState: 'Disconnected', cloudToDeviceMessageCount: '0', authentication: { type: 'sas', symmetricKey: { primaryKey: 'k' } } });
    assert.equal(device.cloudToDeviceMessageCount, 0);
    assert.equal(device.generationId, 'g');
    assert.ok(!JSON.stringify(device).includes('"k"'));
  });

  it('reads IoT Hub feedback bodies', () => {
    const body = JSON.stringify([{ originalMessageId: 'm', description: 'Success', deviceGenerationId: 'g', deviceId: 'd', enqueuedTimeUtc: '2026-12-07T10:00:00Z', statusCode: 'Success' }, { statusCode: 'Weird' }]);
    assert.deepEqual(parseFeedbackBody(Buffer.from(body)), [{ originalMessageId: 'm', deviceId: 'd', statusCode: 'Success', description: 'Success', enqueuedTimeUtc: '2026-12-07T10:00:00Z' }]);
  });

  it('redacts tokens and keys from messages', () => {
    assert.equal(redactSecrets('bad SharedAccessSignature sr=x&sig=abc%3D&se=1 and SharedAccessKey=c2VjcmV0;'), 'bad SharedAccessSignature <redacted> and SharedAccessKey=<redacted>;');
  });
});
