// Hub errors told to the user with the action that helps: a device not found or changed meanwhile
// (Refresh), a full queue (Purge Queue), a stopped hub (Start Local Hub), anything else (Show Log).
// Every command that acts on a hub reports failures through here, so the same error reads the same
// wherever it happens.
import * as vscode from 'vscode';
import { errorText } from '../../core/errorText';
import { HubRequestError, type HubConnection } from '../../hubs/hubConnection';
import type { Log } from '../log';

export interface ErrorContext {
  hub?: HubConnection;
  deviceId?: string;
}

/** The actions offered for an error of this kind (title -> command and arguments). */
export function actionsFor(e: unknown, where: ErrorContext): Array<{ title: string; command: string; args: unknown[] }> {
  const kind = e instanceof HubRequestError ? e.kind : 'failed';
  const node = where.hub ? [{ hub: where.hub, ...(where.deviceId !== undefined ? { deviceId: where.deviceId } : {}) }] : [];
  switch (kind) {
    case 'device-not-found':
    case 'changed-meanwhile':
      return [{ title: 'Refresh', command: 'iotHubMessaging.tree.refresh', args: where.hub ? [{ hub: where.hub }] : [] }];
    case 'queue-full':
      return where.deviceId !== undefined ? [{ title: 'Purge Queue', command: 'iotHubMessaging.queue.purge', args: node }] : [];
    case 'hub-stopped':
    case 'unreachable':
      return where.hub === undefined || where.hub.capabilities.lifecycle
        ? [{ title: kind === 'hub-stopped' ? 'Start Local Hub' : 'Restart Local Hub', command: kind === 'hub-stopped' ? 'iotHubMessaging.localHub.start' : 'iotHubMessaging.localHub.restart', args: [] }]
        : [];
    default:
      return [];
  }
}

/** Shows `what failed: why` with its actions and Show Log; not awaited by callers (the command is over). */
export function showHubError(log: Log, what: string, e: unknown, where: ErrorContext = {}): void {
  const why = errorText(e);
  log.warn(`${what}: ${why}`);
  const actions = actionsFor(e, where);
  const items = [...actions.map((a) => a.title), 'Show Log'];
  void vscode.window.showErrorMessage(`IoT Hub: ${what}. ${why}`, ...items).then((picked) => {
    if (picked === 'Show Log') log.show();
    const action = actions.find((a) => a.title === picked);
    if (action) void vscode.commands.executeCommand(action.command, ...action.args);
  });
}
