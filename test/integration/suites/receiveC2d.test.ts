// Receiving C2D as a device in a real VS Code against the extension's own local hub: nothing
// waiting is said plainly; complete, reject and abandon do what IoT Hub does (abandon: delivered
// again with the delivery count raised); a C2D message sent from VS Code with ack set tells the
// user its feedback (delivered (Success), Rejected), and the Hubs view shows each message sent
// from this window under its device with that outcome.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createMessage } from '../../../src/core/message/model';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { ReceiveC2dArgs, ReceiveOutcome } from '../../../src/vscode/receive/receiveC2dCommand';
import type { SendOutcome } from '../../../src/vscode/send/sendCommands';
import { REVEAL_SENT_C2D_COMMAND } from '../../../src/vscode/receive/feedbackWatch';
import type { SentC2dMessageNode } from '../../../src/vscode/tree/sentC2dNode';
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

  test('the Hubs view shows each message sent from this window under its device, with its outcome and feedback', async () => {
    const runtime = await activateExtension();
    const reveal = async (messageId: string): Promise<SentC2dMessageNode> => {
      // The extension's own class (this suite is bundled apart, so not `instanceof`).
      const node = await vscode.commands.executeCommand<SentC2dMessageNode | undefined>(REVEAL_SENT_C2D_COMMAND, { hub, deviceId: device, messageId });
      assert.equal(node?.entry.messageId, messageId, `a sent message node for ${messageId}`);
      return node!;
    };
    const described = (n: SentC2dMessageNode): string => String(n.treeItem().description);
    const completed = await reveal('rcv-complete');
    assert.match(described(completed), /^Success · /);
    const rejected = await reveal('rcv-abandon');
    assert.match(described(rejected), /^Rejected · /);
    assert.match(String((rejected.tooltip().value)), /back in the queue after 1 delivery/, 'the abandon is in its history');
    // Newest first, beside the queue; a message still queued says so and changes when it is received.
    await sendC2d('rcv-waiting', 'none');
    const waiting = await reveal('rcv-waiting');
    assert.match(described(waiting), /^queued · sent /);
    assert.deepEqual(waiting.parent.children().map((n) => n.entry.messageId), ['rcv-waiting', 'rcv-abandon', 'rcv-complete']);
    assert.deepEqual(waiting.parent.parent.children().map((n) => n.id), [waiting.parent.parent.queue.id, waiting.parent.id]);
    const out = await receive('complete');
    assert.equal(out.status, 'settled');
    await waitFor(() => (waiting.entry.state === 'completed' ? true : undefined), { timeout: 15_000, message: 'the queue event on the message' });
    assert.equal(described(waiting), 'completed');
    assert.equal(runtime.feedback.sent.forDevice(hub.id, device).length, 3);
  }, { timeout: 60_000 });
});
