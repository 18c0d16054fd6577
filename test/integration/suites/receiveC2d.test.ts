// Receiving C2D as a device in a real VS Code against the extension's own local hub: nothing
// waiting is said plainly; complete, reject and abandon do what IoT Hub does (abandon: delivered
// again with the delivery count raised); a C2D message sent from VS Code with ack set tells the
// user its feedback (delivered (Success), Rejected).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createMessage } from '../../../src/core/message/model';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { ReceiveC2dArgs, ReceiveOutcome } from '../../../src/vscode/receive/receiveC2dCommand';
import type { SendOutcome } from '../../../src/vscode/send/sendCommands';
import { activateExtension, before, suite, test, waitFor } from '../framework';
import { runningHubInfo } from '../localHubHelpers';

suite('receive C2D as device', () => {
  let hub: HubConnection;
  const device = `rcv-${Date.now()}`;

  const receive = (settle: ReceiveC2dArgs['settle']): Thenable<ReceiveOutcome> =>
    vscode.commands.executeCommand<ReceiveOutcome>('iotHubMessaging.device.receiveC2d', { hub, deviceId: device, settle });

  async function sendC2d(messageId: string, ack: string): Promise<void> {
    const message = createMessage({ deviceId: device, systemProperties: { messageId, ack }, applicationProperties: [{ name: 'kind', value: 'test' }], body: `{"id":"${messageId}"}` });
    const out = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d', message);
    assert.equal(out.status, 'sent', JSON.stringify(out));
  }

  before(async () => {
    await runningHubInfo();
    const runtime = await activateExtension();
    const local = runtime.hubs.get('local');
    assert.ok(local);
    hub = local;
    await hub.createDevice(device);
  });

  test('nothing waiting is said plainly', async () => {
    const out = await receive('leave');
    assert.equal(out.status, 'none');
  });

  test('complete: the message leaves the queue and the sender is told delivered (Success)', async () => {
    const runtime = await activateExtension();
    await sendC2d('rcv-complete', 'full');
    const out = await receive('complete');
    assert.equal(out.status, 'settled', JSON.stringify(out));
    if (out.status !== 'settled') return;
    assert.equal(out.message.systemProperties.messageId, 'rcv-complete');
    assert.equal(out.message.systemProperties.ack, 'full');
    assert.deepEqual(out.message.applicationProperties, [{ name: 'kind', value: 'test' }]);
    const shown = await waitFor(() => runtime.feedback.shown.find((s) => s.messageId === 'rcv-complete'), { timeout: 30_000, message: 'the Success feedback notification' });
    assert.equal(shown.statusCode, 'Success');
    assert.match(shown.text, /delivered \(Success\)/);
    assert.deepEqual((await hub.peekQueue(device)).filter((m) => m.state === 'Enqueued' || m.state === 'Invisible'), []);
  }, { timeout: 60_000 });

  test('abandon: delivered again with the delivery count raised; then reject: Rejected feedback', async () => {
    const runtime = await activateExtension();
    await sendC2d('rcv-abandon', 'full');
    const first = await receive('abandon');
    assert.equal(first.status, 'settled');
    const again = await receive('reject');
    assert.equal(again.status, 'settled', JSON.stringify(again));
    if (first.status !== 'settled' || again.status !== 'settled') return;
    assert.equal(again.message.systemProperties.messageId, 'rcv-abandon');
    assert.equal(again.message.deliveryCount, first.message.deliveryCount + 1);
    const shown = await waitFor(() => runtime.feedback.shown.find((s) => s.messageId === 'rcv-abandon'), { timeout: 30_000, message: 'the Rejected feedback notification' });
    assert.equal(shown.statusCode, 'Rejected');
  }, { timeout: 60_000 });
});
