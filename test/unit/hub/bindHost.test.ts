// The extension's `host` setting: loopback only unless iotHubMessaging.localHub.allowRemoteAccess is
// on, then also a wildcard address (the extension reaches its hub through localhost); a clear
// message naming the settings otherwise; --allow-remote passed to the CLI only when it is needed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALLOW_REMOTE_SETTING, HOST_SETTING, hostSettingProblem, isLoopbackAddress, remoteAccessWarning } from '../../../src/hub/bindHost';
import { hubStartArgs, type LocalHubSettings } from '../../../src/vscode/localHub/hubStartArgs';

const base: LocalHubSettings = { host: '127.0.0.1', allowRemoteAccess: false, mqttPort: 0, apiPort: 0, amqpPort: 0, servicePort: null, httpsPort: null };

void describe('the local hub host setting', () => {
  void it('accepts loopback addresses whether or not remote access is allowed', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', 'LOCALHOST', ' 127.0.0.1 ']) {
      assert.equal(hostSettingProblem(host, false), undefined, host);
      assert.equal(hostSettingProblem(host, true), undefined, host);
    }
  });

  void it('refuses a non-loopback address without remote access, naming both settings', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'fe80::1']) {
      const problem = hostSettingProblem(host, false);
      assert.ok(problem !== undefined, host);
      assert.ok(problem.includes(HOST_SETTING) && problem.includes(ALLOW_REMOTE_SETTING), problem);
      assert.match(problem, /not a loopback address/);
    }
  });

  void it('with remote access allowed, takes a wildcard address but not one the extension could not reach through localhost', () => {
    assert.equal(hostSettingProblem('0.0.0.0', true), undefined);
    assert.equal(hostSettingProblem('::', true), undefined);
    assert.match(hostSettingProblem('192.168.1.5', true) ?? '', /through localhost.*Use 0\.0\.0\.0 or ::/);
  });

  void it('refuses an empty value and a name that is not an IP address, saying what to use', () => {
    assert.match(hostSettingProblem('', false) ?? '', /is empty: set it to 127\.0\.0\.1/);
    assert.match(hostSettingProblem('myhost.example', false) ?? '', /not an IP address: use a loopback address/);
    assert.match(hostSettingProblem('myhost.example', true) ?? '', /or 0\.0\.0\.0 \/ ::/);
  });

  void it('passes --allow-remote to the CLI only for a non-loopback host', () => {
    assert.ok(!hubStartArgs('/d', base).includes('--allow-remote'));
    const remote = hubStartArgs('/d', { ...base, host: ' 0.0.0.0 ', allowRemoteAccess: true });
    assert.ok(remote.includes('--allow-remote'));
    assert.equal(remote[remote.indexOf('--host') + 1], '0.0.0.0');
    assert.ok(isLoopbackAddress('127.1.2.3') && !isLoopbackAddress('128.0.0.1'));
  });

  void it('the remote-access warning says the Event Hubs-compatible AMQP endpoint is plain text when it runs', () => {
    assert.match(remoteAccessWarning('0.0.0.0', true), /reachable from other machines.*AMQP endpoint is plain text \(no TLS\)/);
    assert.doesNotMatch(remoteAccessWarning('0.0.0.0', false), /plain text/);
  });

  void it('package.json offers loopback and (with the second setting) wildcard hosts, and the off-by-default allowRemoteAccess', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown; enum?: string[]; markdownDescription?: string }> } } };
    const props = pkg.contributes.configuration.properties;
    const host = props[HOST_SETTING];
    assert.ok(host?.enum !== undefined);
    for (const v of host.enum) assert.equal(hostSettingProblem(v, true), undefined, v);
    assert.equal(host.default, '127.0.0.1');
    const allow = props[ALLOW_REMOTE_SETTING];
    assert.equal(allow?.default, false);
    assert.match(allow.markdownDescription ?? '', /plain text on the network/);
  });
});
