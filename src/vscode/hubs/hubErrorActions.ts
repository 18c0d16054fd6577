// Which action a hub error offers, by its kind (no vscode import: tested in plain Node).
// hubErrors.ts shows the error with these actions and Show Log.
import { HubRequestError, type HubConnection } from '../../hubs/hubConnection';

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

