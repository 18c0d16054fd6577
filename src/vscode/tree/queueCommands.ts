// Commands on a device's C2D queue and its messages: open a queued message in the inspector (as a
// queued message: hub stamps shown as stamps), save it as a message file, purge the queue (after
// a confirmation that says how many go and that `Purged` feedback follows).
import * as vscode from 'vscode';
import { C2D_MAX_QUEUE_DEPTH } from '../../core/message/limits';
import type { IotMessage } from '../../core/message/model';
import type { QueuedC2dMessage } from '../../hubs/hubConnection';
import type { InspectorState, MessageSource } from '../../inspector/protocol';
import { toWire } from '../../inspector/wire';
import { showHubError } from '../hubs/hubErrors';
import { resolveDevice } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { C2dMessageNode, OPEN_QUEUED_MESSAGE_COMMAND, stateText } from './c2dMessageNode';
import type { HubsTree } from './hubsTree';

export const PURGE_QUEUE_COMMAND = 'iotHubMessaging.queue.purge';
export const SAVE_QUEUED_MESSAGE_COMMAND = 'iotHubMessaging.queue.saveMessage';

/** A queued message as the inspector shows it: the C2D message with what the queue stamped on it. */
export function queuedToIotMessage(m: QueuedC2dMessage): IotMessage {
  return {
    direction: 'c2d',
    deviceId: m.deviceId,
    systemProperties: {
      ...m.systemProperties,
      ...(m.messageId !== undefined && m.systemProperties.messageId === undefined ? { messageId: m.messageId } : {}),
      sequenceNumber: String(m.sequenceNumber),
      enqueuedTimeUtc: m.enqueuedTime,
      deliveryCount: String(m.deliveryCount),
      ...(m.systemProperties.expiryTimeUtc === undefined ? { expiryTimeUtc: m.expiryTime } : {}),
    },
    applicationProperties: m.applicationProperties,
    body: m.body,
  };
}

function sourceOf(node: C2dMessageNode): MessageSource {
  return { kind: 'c2dQueue', hub: node.hub.label, deviceId: node.deviceId, state: stateText(node.message) };
}

export function registerQueueCommands(runtime: ExtensionRuntime, tree: HubsTree): void {
  const { log } = runtime;
  runtime.own(vscode.commands.registerCommand(OPEN_QUEUED_MESSAGE_COMMAND, (arg?: unknown) => {
    if (!(arg instanceof C2dMessageNode)) {
      void vscode.window.showInformationMessage('IoT Hub: select a queued message under a device\'s C2D queue in the Hubs view.');
      return undefined;
    }
    return runtime.inspector.show(queuedToIotMessage(arg.message), sourceOf(arg), { readOnly: true });
  }));

  runtime.own(vscode.commands.registerCommand(SAVE_QUEUED_MESSAGE_COMMAND, async (arg?: unknown) => {
    if (!(arg instanceof C2dMessageNode)) return undefined;
    const message = queuedToIotMessage(arg.message);
    const state: InspectorState = { version: 1, message: toWire(message), source: sourceOf(arg), direction: 'c2d', edited: false };
    try {
      return await runtime.inspector.saveAsFile(message, state);
    } catch (e) {
      showHubError(log, 'The message file was not saved', e);
      return undefined;
    }
  }));

  runtime.own(vscode.commands.registerCommand(PURGE_QUEUE_COMMAND, async (arg?: unknown, options?: { confirm?: boolean }) => {
    const target = await resolveDevice(runtime.hubs, arg, 'Purge C2D Queue');
    if (!target) return undefined;
    const { hub, deviceId } = target;
    // How many go: the tree knows when the device is listed; otherwise ask the hub.
    let depth = tree.provider.hubNode(hub)?.devices.device(deviceId)?.device.cloudToDeviceMessageCount;
    try {
      depth ??= (await hub.getDevice(deviceId))?.cloudToDeviceMessageCount;
    } catch {
      // the purge itself reports the problem
    }
    if (options?.confirm !== false) {
      const count = depth === undefined ? 'every message' : `${depth} message${depth === 1 ? '' : 's'} (of at most ${C2D_MAX_QUEUE_DEPTH})`;
      const purge = 'Purge';
      const answer = await vscode.window.showWarningMessage(
        `Purge the C2D queue of '${deviceId}'?`,
        { modal: true, detail: `${count} will be removed without being delivered. Messages sent with an ack mode that asks for negative feedback get 'Purged' feedback.` },
        purge,
      );
      if (answer !== purge) return undefined;
    }
    try {
      const purged = await hub.purgeQueue(deviceId);
      log.info(`purged ${purged} C2D message(s) of ${deviceId} on ${hub.label}`);
      // The user just confirmed a modal and the queue node shows the new depth: a status bar
      // line is enough. Toasts are kept for the feedback that follows (Purged, where acked).
      vscode.window.setStatusBarMessage(`$(check) Purged ${purged} C2D message${purged === 1 ? '' : 's'} of '${deviceId}'`, 5000);
      return purged;
    } catch (e) {
      showHubError(log, `The C2D queue of '${deviceId}' was not purged`, e, { hub, deviceId });
      return undefined;
    }
  }));
}
