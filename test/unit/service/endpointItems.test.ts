// What *Show Local Hub Endpoints* lists: the service SDK connection string and the CA variable
// when the hub runs its service side, and, when the HTTPS port the settings ask for is not
// listening (443 without privilege), an item saying so that copies the fix; keys never in a label or detail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionInfoJson } from '../../../src/hub/localHub';
import { endpointItems } from '../../../src/vscode/localHub/endpointItems';

const KEY = 'c2VjcmV0LWtleS1ieXRlcy0xMjM0NTY3ODkwMTIzNA==';
const info: ConnectionInfoJson = {
  hubName: 'local-hub', hostName: 'localhost', bindAddress: '127.0.0.1', pid: 1, startedAt: '2026-12-07T00:00:00Z', dataDir: '/data',
  caCertPath: '/data/tls/ca.pem', apiVersion: '2021-04-12',
  mqtt: { port: 8883, url: 'mqtts://localhost:8883' }, api: { port: 8443, url: 'https://localhost:8443', websocketUrl: 'wss://localhost:8443/$iothub/websocket' },
  service: { amqpPort: 5671, httpsPort: 443, connectionString: `HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}` },
  hubConnectionString: `HostName=localhost:8443;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`,
  deviceConnectionStringTemplate: 'HostName=localhost;DeviceId={deviceId};SharedAccessKey={key}',
};

void describe('Show Local Hub Endpoints items', () => {
  void it('lists the service SDK connection string and the CA variable, keys only in what is copied', () => {
    const items = endpointItems(info, 443, 'linux');
    const service = items.find((i) => i.label.startsWith('Service SDK connection string'))!;
    assert.equal(service.copy, info.service!.connectionString);
    assert.match(service.detail, /amqps:\/\/localhost:5671, https:\/\/localhost:443/);
    assert.equal(items.find((i) => i.label === 'Trust the CA in a back end')?.copy, 'NODE_EXTRA_CA_CERTS=/data/tls/ca.pem');
    assert.ok(items.every((i) => !i.label.includes(KEY) && !i.detail.includes(KEY)));
    assert.ok(!items.some((i) => i.label.includes('Not listening')));
  });

  void it('says when the HTTPS port asked for is not listening, and copies the fix', () => {
    const without443 = { ...info, service: { amqpPort: 5671, connectionString: info.service!.connectionString } };
    const warn = endpointItems(without443, 443, 'linux').find((i) => i.label.includes('Not listening'))!;
    assert.equal(warn.label, '$(warning) Not listening on HTTPS port 443');
    assert.match(warn.detail, /Registry and the WebSocket transports dial 443.*iotHubMessaging\.localHub\.httpsPort/);
    assert.match(warn.copy, /setcap cap_net_bind_service=\+ep/);
    assert.match(endpointItems(without443, 443, 'win32').find((i) => i.label.includes('Not listening'))!.copy, /administrator/);
    // Turned off on purpose: nothing to warn about.
    assert.ok(!endpointItems(without443, null, 'linux').some((i) => i.label.includes('Not listening')));
  });
});
