// Sending in a real VS Code against the extension's own local hub: the send commands with an
// IotMessage (what the inspector hands over), the inspector's Send buttons, the message files'
// code lenses; verified with the hub's management API (peek the C2D queue, tail the D2C log).
// Also the errors a user sees: unknown device, full queue, hub not running.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createMessage } from '../../../src/core/message/model';
import type { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { toWire } from '../../../src/inspector/wire';
import type { SendOutcome } from '../../../src/vscode/send/sendCommands';
import { activateExtension, after, before, suite, test, waitFor, workspaceDir } from '../framework';
import { hubClient, runningHubInfo, watchD2c } from '../localHubHelpers';

function sent(outcome: SendOutcome | undefined): Extract<SendOutcome, { status: 'sent' }>['sent'] {
  assert.ok(outcome, 'the command returned an outcome');
  if (outcome.status !== 'sent') assert.fail(`not sent: ${JSON.stringify(outcome)}`);
  return outcome.sent;
}

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return waitFor(async () => {
    const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const send = all.filter((l) => /^iotHubMessaging\.send(D2c|C2d)FromFile$/.test(l.command?.command ?? ''));
    return send.length > 0 && send;
  }, { timeout: 30_000, message: 'send code lenses' });
}

function runLens(lens: vscode.CodeLens): Thenable<SendOutcome | undefined> {
  assert.ok(lens.command);
  return vscode.commands.executeCommand<SendOutcome | undefined>(lens.command.command, ...(lens.command.arguments ?? []));
}

suite('send', () => {
  let client: LocalHubClient;
  const device = `send-it-${Date.now()}`;
  const files: string[] = [];

  before(async () => {
    client = hubClient(await runningHubInfo());
    await client.createDevice({ deviceId: device });
  });
  after(async () => {
    client.close();
    for (const f of files.splice(0)) rmSync(f, { force: true });
    const runtime = await activateExtension();
    for (const p of runtime.inspector.openPanels) p.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the send commands are registered, so the inspector enables its Send buttons', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['iotHubMessaging.sendD2c', 'iotHubMessaging.sendC2d', 'iotHubMessaging.sendD2cFromFile', 'iotHubMessaging.sendC2dFromFile']) {
      assert.ok(all.includes(c), c);
    }
  });

  test('sendC2d with an IotMessage queues it with every system and application property', async () => {
    const expiry = new Date(Date.now() + 20 * 60_000).toISOString();
    const outcome = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d', createMessage({
      deviceId: device,
      systemProperties: {
        messageId: 'it-c2d-1', correlationId: 'corr-7', userId: 'ops', contentType: 'application/json', contentEncoding: 'utf-8',
        expiryTimeUtc: expiry, ack: 'positive',
      },
      applicationProperties: [{ name: 'Command', value: 'reboot' }, { name: 'delay', value: '5' }],
      body: '{"now":true}',
    }));
    const s = sent(outcome);
    assert.equal(s.messageId, 'it-c2d-1');
    assert.equal(s.queueDepth, 1);
    const [queued] = await client.peekQueue(device);
    assert.ok(queued);
    const p = queued.systemProperties;
    assert.deepEqual([p.messageId, p.correlationId, p.userId, p.contentType, p.contentEncoding, p.expiryTimeUtc, p.ack],
      ['it-c2d-1', 'corr-7', 'ops', 'application/json', 'utf-8', expiry, 'positive']);
    assert.deepEqual(queued.applicationProperties, [{ name: 'Command', value: 'reboot' }, { name: 'delay', value: '5' }]);
    assert.equal(Buffer.from(queued.bodyBase64, 'base64').toString(), '{"now":true}');
  });

  test('the inspector\'s "Send as C2D" sends the edited message (hub stamps left out) and says so in the panel', async () => {
    const runtime = await activateExtension();
    const panel = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'insp-1' } }), { kind: 'c2dQueue', deviceId: device });
    const posted: unknown[] = [];
    const webview = panel.panel.webview;
    const original = webview.postMessage.bind(webview);
    webview.postMessage = (m: unknown) => { posted.push(m); return original(m); };
    const edited = createMessage({
      deviceId: device,
      systemProperties: { messageId: 'insp-1', enqueuedTimeUtc: '2026-11-22T09:00:00Z', sequenceNumber: '4', contentType: 'text/plain' },
      applicationProperties: [{ name: 'k', value: 'v' }],
      body: 'resent',
    });
    await panel.handleWebviewMessage({ type: 'request', id: 41, method: 'send', params: { as: 'c2d', message: toWire(edited) } });
    const reply = posted.find((m) => (m as { type?: string; id?: number }).type === 'response' && (m as { id?: number }).id === 41) as
      { ok: boolean; result?: { detail: string }; error?: string } | undefined;
    assert.ok(reply?.ok, JSON.stringify(reply));
    assert.match(reply.result?.detail ?? '', /^Sent: C2D message 'insp-1' queued for 'send-it-\d+' \(\d+ bytes; queue depth \d+ of 50\)\.$/);
    const queued = (await client.peekQueue(device)).find((m) => m.messageId === 'insp-1');
    assert.ok(queued);
    assert.equal(queued.systemProperties.contentType, 'text/plain');
    assert.equal(queued.systemProperties.sequenceNumber, String(queued.sequenceNumber), 'the queue numbers it, not the old stamp');
    assert.notEqual(queued.systemProperties.enqueuedTimeUtc, '2026-11-22T09:00:00Z');
    assert.deepEqual(queued.applicationProperties, [{ name: 'k', value: 'v' }]);
    assert.equal(Buffer.from(queued.bodyBase64, 'base64').toString(), 'resent');
    panel.dispose();
  });

  test('the inspector\'s "Send as D2C" reaches the hub\'s D2C log; a hub refusal is the panel\'s error', async () => {
    const runtime = await activateExtension();
    const d2c = await watchD2c(client);
    try {
      const panel = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'insp-d2c' } }), { kind: 'd2cMonitor' });
      const posted: Array<{ type?: string; id?: number; ok?: boolean; error?: string }> = [];
      const webview = panel.panel.webview;
      const original = webview.postMessage.bind(webview);
      webview.postMessage = (m: unknown) => { posted.push(m as never); return original(m); };
      const edited = createMessage({ deviceId: device, systemProperties: { messageId: 'insp-d2c', contentType: 'application/json' }, applicationProperties: [{ name: 'Alert', value: 'true' }], body: '{"t":21}' });
      await panel.handleWebviewMessage({ type: 'request', id: 5, method: 'send', params: { as: 'd2c', message: toWire(edited) } });
      assert.equal(posted.find((m) => m.id === 5)?.ok, true, JSON.stringify(posted));
      const e = await d2c.find('insp-d2c');
      assert.equal(e.deviceId, device);
      assert.equal(e.systemProperties.contentType, 'application/json');
      assert.equal(e.systemProperties.connectionDeviceId, device);
      assert.deepEqual(e.applicationProperties, [{ name: 'Alert', value: 'true' }]);
      assert.equal(Buffer.from(e.bodyBase64, 'base64').toString(), '{"t":21}');

      const ghost = createMessage({ deviceId: 'no-such-device-here', systemProperties: { messageId: 'insp-ghost' }, body: 'x' });
      await panel.handleWebviewMessage({ type: 'request', id: 6, method: 'send', params: { as: 'd2c', message: toWire(ghost) } });
      const refusal = posted.find((m) => m.id === 6);
      assert.equal(refusal?.ok, false);
      assert.match(refusal?.error ?? '', /Device 'no-such-device-here' is not registered/);
      panel.dispose();
    } finally {
      d2c.close();
    }
  });

  test('code lenses send C2D from a file: ttl becomes the expiry, a base64 body its bytes, every property travels', async () => {
    const file = join(workspaceDir(), 'send-c2d.iotmsg.json');
    files.push(file);
    writeFileSync(file, `${JSON.stringify([
      { direction: 'c2d', deviceId: device, systemProperties: { messageId: 'lens-1', ack: 'full', ttl: '30m', correlationId: 'req-1', contentType: 'application/json', contentEncoding: 'utf-8' }, applicationProperties: { command: 'set-point' }, body: { target: 20.0 } },
      { direction: 'c2d', deviceId: device, systemProperties: { messageId: 'lens-2', contentType: 'application/octet-stream' }, body: { base64: 'AAECAwQFBgcICQ==' } },
    ], null, 2).replace('"target": 20', '"target": 20.0')}\n`);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const lenses = await lensesOf(doc.uri);
    assert.deepEqual(lenses.map((l) => l.command?.title), [`Send C2D to ${device}`, `Send C2D to ${device}`]);

    const before = Date.now();
    const first = sent(await runLens(lenses[0]!));
    assert.equal(first.messageId, 'lens-1');
    const second = sent(await runLens(lenses[1]!));
    assert.equal(second.messageId, 'lens-2');

    const queue = await client.peekQueue(device);
    const q1 = queue.find((m) => m.messageId === 'lens-1');
    const q2 = queue.find((m) => m.messageId === 'lens-2');
    assert.ok(q1 && q2);
    assert.equal(q1.systemProperties.ack, 'full');
    assert.equal(q1.systemProperties.correlationId, 'req-1');
    assert.equal(q1.systemProperties.contentType, 'application/json');
    const expiry = Date.parse(q1.expiryTime);
    assert.ok(expiry >= before + 30 * 60_000 - 1000 && expiry <= Date.now() + 30 * 60_000 + 1000, `ttl 30m -> expiry ${q1.expiryTime}`);
    assert.equal(q1.systemProperties.expiryTimeUtc, q1.expiryTime);
    assert.deepEqual(q1.applicationProperties, [{ name: 'command', value: 'set-point' }]);
    assert.equal(Buffer.from(q1.bodyBase64, 'base64').toString(), '{"target":20.0}', 'compact JSON exactly as written');
    assert.deepEqual([...Buffer.from(q2.bodyBase64, 'base64')], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }, { timeout: 45_000 });

  test('a D2C code lens sends as the device over HTTPS: the message is in the hub\'s D2C log', async () => {
    const d2c = await watchD2c(client);
    try {
      const file = join(workspaceDir(), 'send-d2c.iotmsg.json');
      files.push(file);
      writeFileSync(file, `${JSON.stringify({
        direction: 'd2c', deviceId: device,
        systemProperties: { messageId: 'lens-d2c-1', contentType: 'application/json', contentEncoding: 'utf-8', creationTimeUtc: '2026-11-22T09:00:00.000Z' },
        applicationProperties: { alert: 'false', 'schema-version': '2' },
        body: { temperature: 21.5 },
      }, null, 2)}\n`);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc);
      const [lens] = await lensesOf(doc.uri);
      assert.equal(lens?.command?.title, `Send D2C as ${device}`);
      const s = sent(await runLens(lens));
      assert.equal(s.direction, 'd2c');
      const e = await d2c.find('lens-d2c-1');
      assert.equal(e.deviceId, device);
      assert.equal(e.systemProperties.creationTimeUtc, '2026-11-22T09:00:00.000Z');
      assert.equal(e.systemProperties.contentEncoding, 'utf-8');
      assert.equal(e.systemProperties.messageSource, 'Telemetry');
      assert.deepEqual(e.applicationProperties, [{ name: 'alert', value: 'false' }, { name: 'schema-version', value: '2' }]);
      assert.equal(Buffer.from(e.bodyBase64, 'base64').toString(), '{"temperature":21.5}');
    } finally {
      d2c.close();
    }
  }, { timeout: 45_000 });

  test('a file message with a broken body is not sent; the outcome says why', async () => {
    const file = join(workspaceDir(), 'send-bad.iotmsg.json');
    files.push(file);
    writeFileSync(file, JSON.stringify({ direction: 'c2d', deviceId: device, systemProperties: { messageId: 'bad-b64' }, body: { base64: 'not base64!' } }));
    const outcome = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2dFromFile', { uri: vscode.Uri.file(file).toString(), messageIndex: 0 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? outcome.error : '', /send-bad\.iotmsg\.json: message 1: IOT909 The base64 body is not valid base64.*Fix the file first\./);
    assert.equal((await client.peekQueue(device)).some((m) => m.messageId === 'bad-b64'), false);
  });

  test('hub refusals reach the user: unknown device (404), full queue (403004), invalid property (400)', async () => {
    const ghost = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d', createMessage({ deviceId: 'ghost-device', body: 'x' }));
    assert.deepEqual(ghost, { status: 'failed', kind: 'device-not-found', error: "Device 'ghost-device' is not registered on the hub." });

    const full = `send-full-${Date.now()}`;
    await client.createDevice({ deviceId: full });
    for (let i = 0; i < 50; i++) await client.sendC2d(full, { body: String(i) });
    const refused = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d', createMessage({ deviceId: full, body: 'one too many' }));
    assert.equal(refused.status, 'failed');
    assert.equal(refused.status === 'failed' && refused.kind, 'queue-full');
    assert.match(refused.status === 'failed' ? refused.error : '', /queue of device 'send-full-\d+' is full .*403004/);

    const invalid = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d',
      createMessage({ deviceId: device, applicationProperties: [{ name: 'room name', value: 'kitchen' }], body: 'x' }));
    assert.equal(invalid.status === 'failed' && invalid.kind, 'invalid-message');
    assert.match(invalid.status === 'failed' ? invalid.error : '', /The hub refused the C2D message: .*IOT101/);
  }, { timeout: 30_000 });

  test('with the local hub stopped: a clear not-running error (with Start Local Hub), and nothing is sent', async () => {
    const runtime = await activateExtension();
    await vscode.commands.executeCommand('iotHubMessaging.localHub.stop');
    try {
      assert.equal(runtime.localHub.status.state, 'stopped');
      const outcome = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendD2c', createMessage({ deviceId: device, body: 'x' }));
      assert.deepEqual(outcome, { status: 'failed', kind: 'not-running', error: 'The local hub is stopped; start it to send.' });
      const fromFile = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d', createMessage({ deviceId: device, body: 'x' }));
      assert.equal(fromFile.status === 'failed' && fromFile.kind, 'not-running');
    } finally {
      await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
      client.close();
      client = hubClient(await runningHubInfo());
    }
  }, { timeout: 90_000 });
});
