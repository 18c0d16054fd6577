// Asks before a message IoT Hub would refuse is sent: the same modal from the palette, a code lens
// and the inspector. The dialog lists the problems briefly; their full text goes to the log.
import * as vscode from 'vscode';
import type { Direction, IotMessage } from '../../core/message/model';
import { sendQuestion } from '../../core/message/sendQuestion';
import { validateMessage } from '../../core/message/validation';
import type { Log } from '../log';

export const SEND_ANYWAY = 'Send Anyway';

/** True when the message is valid for `direction` or the user chose to send it anyway. */
export async function askBeforeSendingInvalid(message: IotMessage, direction: Direction, log: Log, source?: string): Promise<boolean> {
  const ask = sendQuestion(validateMessage(message, { direction }).problems, direction);
  if (!ask) return true;
  log.warn(`${direction.toUpperCase()} message${source ? ` from ${source}` : ''} has problems IoT Hub may refuse it for:\n  ${ask.logLines.join('\n  ')}`);
  const choice = await vscode.window.showWarningMessage(ask.question, { modal: true, detail: ask.detail }, SEND_ANYWAY);
  if (choice !== SEND_ANYWAY) log.info(`${direction.toUpperCase()} message not sent: the user chose not to send it with its problems.`);
  return choice === SEND_ANYWAY;
}
