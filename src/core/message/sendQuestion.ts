// What to ask before sending a message that breaks IoT Hub's rules: one short question, a brief
// list of the problems for the dialog, and each problem's full text for the log. Used by every
// send path (palette, code lens, inspector) so they all ask the same way.
import type { Direction } from './model';
import type { Problem } from './problems';

/** The dialog lists at most this many problems; the rest are counted (the log has them all). */
const LISTED = 5;
/** A problem's text in the dialog is cut to this many characters (the log has it whole). */
const BRIEF = 110;

export interface SendQuestion {
  question: string;
  /** One line per problem (`IOT101 ...`, shortened), then where the full text is. */
  detail: string;
  /** Each problem's full text, one line each, for the log. */
  logLines: string[];
}

/** The question to ask, or undefined when nothing IoT Hub would refuse (errors only; warnings do not ask). */
export function sendQuestion(problems: readonly Problem[], direction: Direction): SendQuestion | undefined {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return undefined;
  const DIR = direction.toUpperCase();
  const n = errors.length;
  const lines = errors.slice(0, LISTED).map((p) => `${p.code} ${brief(p.message)}`);
  if (n > LISTED) lines.push(`and ${n - LISTED} more`);
  return {
    question: `This ${DIR} message has ${n} problem${n === 1 ? '' : 's'} IoT Hub may refuse it for. Send it anyway?`,
    detail: `${lines.join('\n')}\n\nThe full text is in the log (IoT Hub: Show Log).`,
    logLines: errors.map((p) => `${p.code} ${p.message}`),
  };
}

function brief(text: string): string {
  return text.length <= BRIEF ? text : `${text.slice(0, BRIEF - 3).trimEnd()}...`;
}
