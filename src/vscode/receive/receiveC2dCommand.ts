// *Receive C2D Message as Device...*: takes the next C2D message of a device through IoT Hub's
// device HTTPS API (HubConnection.receiveC2dAsDevice), so a real device connected over MQTT stays
// connected. The message opens as a read-only JSON document (every property, the body) beside a
// quick pick that counts the lock down and offers Complete, Reject and Abandon (each does what IoT
// Hub does: feedback for complete/reject where the ack mode asks; abandon makes it visible again
// with its delivery count raised), Open in Inspector, or leaving it locked. No message waiting is
// said plainly, not as an error.
import * as vscode from 'vscode';
import { C2D_DEFAULT_LOCK_TIMEOUT_MS } from '../../core/message/limits';
import { SYSTEM_PROPERTY_WIRE_NAMES, type SystemPropertyName } from '../../core/message/model';
import type { ReceivedC2dMessage } from '../../hub/client/localHubClient';
import type { C2dSettlement, HubConnection } from '../../hubs/hubConnection';
import { bodyForExport } from '../../monitor/exportFormats';
import { bytesToBase64 } from '../../inspector/wire';
import { isHubNodeArg, resolveDevice } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { errorText } from '../../core/errorText';

export const RECEIVE_C2D_COMMAND = 'iotHubMessaging.device.receiveC2d';

export type ReceiveOutcome =
  | { status: 'cancelled' }
  | { status: 'none'; deviceId: string }
  | { status: 'settled'; outcome: C2dSettlement; message: ReceivedC2dMessage }
  | { status: 'left'; message: ReceivedC2dMessage }
  | { status: 'failed'; error: string };

/** Tests (and other commands) may pass `settle` to act without the quick pick. */
export interface ReceiveC2dArgs { hub: HubConnection; deviceId: string; settle?: C2dSettlement | 'leave' }

export function receivedAsJson(deviceId: string, m: ReceivedC2dMessage, lockedUntil: number): Record<string, unknown> {
  const sys: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.systemProperties)) if (v !== undefined) sys[SYSTEM_PROPERTY_WIRE_NAMES[k as SystemPropertyName] ?? k] = v;
  const app: Record<string, string> = {};
  for (const p of m.applicationProperties) app[p.name] = p.value;
  return {
    deviceId,
    sequenceNumber: m.sequenceNumber,
    deliveryCount: m.deliveryCount,
    ...(m.enqueuedTime !== undefined ? { enqueuedTime: m.enqueuedTime } : {}),
    lockToken: m.lockToken,
    lockedUntil: new Date(lockedUntil).toISOString(),
    systemProperties: sys,
    applicationProperties: app,
    ...bodyForExport(bytesToBase64(m.body)),
  };
}

async function lockDeadline(hub: HubConnection, deviceId: string, m: ReceivedC2dMessage, receivedAt: number): Promise<number> {
  // The local hub says exactly when the lock ends; IoT Hub's device API does not, so its fixed one minute is used.
  if (hub.capabilities.queuePeek) {
    try {
      const q = (await hub.peekQueue(deviceId)).find((x) => x.sequenceNumber === m.sequenceNumber);
      if (q?.lockedUntil !== undefined) return Date.parse(q.lockedUntil);
    } catch {
      // fall through to the default
    }
  }
  return receivedAt + C2D_DEFAULT_LOCK_TIMEOUT_MS;
}

type Choice = vscode.QuickPickItem & { choice: C2dSettlement | 'inspect' | 'leave' };

export function registerReceiveC2d(runtime: ExtensionRuntime): void {
  const receive = async (arg?: unknown): Promise<ReceiveOutcome> => {
    const given = isHubNodeArg(arg) ? (arg as Partial<ReceiveC2dArgs> & { hub: HubConnection }) : undefined;
    const target = await resolveDevice(runtime.hubs, arg, 'Receive C2D Message as Device');
    if (!target) return { status: 'cancelled' };
    const { hub, deviceId } = target;
    let message: ReceivedC2dMessage | undefined;
    const receivedAt = Date.now();
    try {
      message = await hub.receiveC2dAsDevice(deviceId);
    } catch (e) {
      const error = errorText(e);
      void vscode.window.showErrorMessage(`Receive C2D as '${deviceId}': ${error}`);
      return { status: 'failed', error };
    }
    if (!message) {
      void vscode.window.showInformationMessage(`No C2D message is waiting for '${deviceId}' on ${hub.label}.`);
      return { status: 'none', deviceId };
    }
    const m = message;
    const until = await lockDeadline(hub, deviceId, m, receivedAt);
    runtime.log.info(`received C2D as ${deviceId} on ${hub.label}: sequence ${m.sequenceNumber}, delivery ${m.deliveryCount}`);
    const settle = async (outcome: C2dSettlement): Promise<ReceiveOutcome> => {
      try {
        await hub.settleC2dAsDevice(deviceId, m.lockToken, outcome);
      } catch (e) {
        const error = errorText(e);
        void vscode.window.showErrorMessage(`${error}${Date.now() > until ? ' (its lock had expired: the message is back in the queue)' : ''}`);
        return { status: 'failed', error };
      }
      const done = outcome === 'complete' ? 'completed' : outcome === 'reject' ? 'rejected (dead-lettered)' : 'abandoned: it is back in the queue and will be delivered again';
      vscode.window.setStatusBarMessage(`C2D message ${m.systemProperties.messageId ?? m.sequenceNumber} ${done}`, 5000);
      return { status: 'settled', outcome, message: m };
    };
    if (given?.settle !== undefined) return given.settle === 'leave' ? { status: 'left', message: m } : settle(given.settle);

    const uri = runtime.monitors.diffs.put(`c2d-${deviceId}-${m.sequenceNumber}.json`, `${JSON.stringify(receivedAsJson(deviceId, m, until), null, 2)}\n`);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Active });

    const qp = vscode.window.createQuickPick<Choice>();
    qp.ignoreFocusOut = true;
    const ack = m.systemProperties.ack ?? 'none';
    qp.items = [
      { label: '$(check) Complete', detail: `Removes it from the queue${ack === 'full' || ack === 'positive' ? '; the sender gets Success feedback' : ''}`, choice: 'complete' },
      { label: '$(close) Reject', detail: `Dead-letters it${ack === 'full' || ack === 'negative' ? '; the sender gets Rejected feedback' : ''}`, choice: 'reject' },
      { label: '$(debug-restart) Abandon', detail: 'Puts it back in the queue: it is delivered again with its delivery count raised', choice: 'abandon' },
      { label: '$(inspect) Open in Inspector', detail: 'Look at it in the message inspector, then decide', choice: 'inspect' },
      { label: '$(clock) Leave Locked', detail: 'Do nothing: when the lock ends the message is visible again', choice: 'leave' },
    ];
    const id = m.systemProperties.messageId ?? `#${m.sequenceNumber}`;
    const title = (): string => {
      const left = Math.max(0, Math.round((until - Date.now()) / 1000));
      return left > 0
        ? `C2D '${id}' for ${deviceId} (delivery ${m.deliveryCount}, ack ${ack}): lock ${left} s left`
        : `C2D '${id}' for ${deviceId}: the lock has expired, the message is visible again`;
    };
    qp.title = title();
    qp.placeholder = 'Settle the message as the device would';
    const timer = setInterval(() => { qp.title = title(); }, 1000);
    try {
      for (;;) {
        const choice = await new Promise<Choice['choice'] | undefined>((resolve) => {
          const a = qp.onDidAccept(() => { resolve(qp.selectedItems[0]?.choice); a.dispose(); h.dispose(); });
          const h = qp.onDidHide(() => { resolve(undefined); a.dispose(); h.dispose(); });
          qp.show();
        });
        if (choice === 'inspect') {
          runtime.inspector.show({ direction: 'c2d', deviceId, systemProperties: { ...m.systemProperties, sequenceNumber: String(m.sequenceNumber), deliveryCount: String(m.deliveryCount), lockToken: m.lockToken }, applicationProperties: m.applicationProperties, body: new Uint8Array(m.body) }, { kind: 'c2dQueue', hub: hub.label, deviceId, state: 'Invisible' });
          continue;
        }
        if (choice === undefined || choice === 'leave') return { status: 'left', message: m };
        return await settle(choice);
      }
    } finally {
      clearInterval(timer);
      qp.dispose();
    }
  };
  runtime.own(vscode.commands.registerCommand(RECEIVE_C2D_COMMAND, receive));
}
