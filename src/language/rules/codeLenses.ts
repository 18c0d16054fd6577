// "Send" code lenses above each message of a file.
import { SEND_C2D_FROM_FILE_COMMAND, SEND_D2C_FROM_FILE_COMMAND } from '../protocol';
import type { Analysis } from './diagnose';

export interface FileCodeLens {
  /** Offset of the message object's opening brace: the lens sits on its line. */
  offset: number;
  title: string;
  command: typeof SEND_D2C_FROM_FILE_COMMAND | typeof SEND_C2D_FROM_FILE_COMMAND;
  messageIndex: number;
}

/** One lens per message whose direction is known; a message without a device asks for one when sent. */
export function codeLenses(analysis: Analysis): FileCodeLens[] {
  const out: FileCodeLens[] = [];
  for (const m of analysis.messages) {
    if (!m.direction) continue;
    const device = m.message.deviceId;
    const who = !device ? '…' : device + (m.message.moduleId ? `/${m.message.moduleId}` : '');
    out.push(m.direction === 'd2c'
      ? { offset: m.node.offset, title: `Send D2C as ${who}`, command: SEND_D2C_FROM_FILE_COMMAND, messageIndex: m.index }
      : { offset: m.node.offset, title: `Send C2D to ${who}`, command: SEND_C2D_FROM_FILE_COMMAND, messageIndex: m.index });
  }
  return out;
}
