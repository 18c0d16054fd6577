// Create and delete consumer groups of a hub's Event Hubs-compatible endpoint (tree: the Consumer
// groups folder and its items; palette: pick a hub). `$Default` always exists and cannot go.
import * as vscode from 'vscode';
import { showHubError } from '../hubs/hubErrors';
import { isHubNodeArg, pickHub } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { ConsumerGroupNode } from './consumerGroupNode';
import type { HubsTree } from './hubsTree';

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

export function registerConsumerGroupCommands(runtime: ExtensionRuntime, tree: HubsTree): void {
  const { log, hubs } = runtime;
  // The hub sends no event for consumer groups: refresh the folder after a change.
  const refresh = (hub: Parameters<HubsTree['provider']['hubNode']>[0]): void => {
    const node = tree.provider.hubNode(hub)?.consumerGroups;
    if (node) tree.provider.refresh(node);
  };
  runtime.own(vscode.commands.registerCommand('iotHubMessaging.consumerGroup.create', async (arg?: unknown, nameArg?: unknown): Promise<string | undefined> => {
    const hub = isHubNodeArg(arg) ? arg.hub : await pickHub(hubs, { title: 'Create Consumer Group', running: true });
    if (!hub) return undefined;
    const name = typeof nameArg === 'string' ? nameArg : await vscode.window.showInputBox({
      title: `Create Consumer Group on ${hub.label}`,
      prompt: 'Name: letters, digits, . _ - (up to 50 characters, starting with a letter or digit)',
      validateInput: (v) => (v === '' || GROUP_NAME.test(v) ? undefined : 'Letters, digits, period, underscore and hyphen only; up to 50 characters, starting with a letter or digit.'),
    });
    if (!name) return undefined;
    try {
      await hub.createConsumerGroup(name);
      log.info(`created consumer group ${name} on ${hub.label}`);
      refresh(hub);
      return name;
    } catch (e) {
      showHubError(log, `Consumer group '${name}' was not created`, e, { hub });
      return undefined;
    }
  }));

  runtime.own(vscode.commands.registerCommand('iotHubMessaging.consumerGroup.delete', async (arg?: unknown, options?: { confirm?: boolean }): Promise<boolean> => {
    if (!(arg instanceof ConsumerGroupNode)) {
      void vscode.window.showInformationMessage('IoT Hub: right-click a consumer group in the Hubs view to delete it.');
      return false;
    }
    const { hub, name } = arg;
    if (options?.confirm !== false) {
      const del = 'Delete';
      const answer = await vscode.window.showWarningMessage(`Delete consumer group '${name}' of ${hub.label}?`, {
        modal: true, detail: 'Readers using it are disconnected and its checkpoints are lost.',
      }, del);
      if (answer !== del) return false;
    }
    try {
      await hub.deleteConsumerGroup(name);
      log.info(`deleted consumer group ${name} on ${hub.label}`);
      refresh(hub);
      return true;
    } catch (e) {
      showHubError(log, `Consumer group '${name}' was not deleted`, e, { hub });
      return false;
    }
  }));
}
