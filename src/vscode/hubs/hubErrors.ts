// Hub errors told to the user with the action that helps: a device not found or changed meanwhile
// (Refresh), a full queue (Purge Queue), a stopped hub (Start Local Hub), anything else (Show Log).
// Every command that acts on a hub reports failures through here, so the same error reads the same
// wherever it happens.
import * as vscode from 'vscode';
import { errorText } from '../../core/errorText';
import type { Log } from '../log';
import { actionsFor, type ErrorContext } from './hubErrorActions';

export { actionsFor, type ErrorContext };

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
