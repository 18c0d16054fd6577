// Draws a name or value with each flagged character wrapped in <mark>: the title names the rule
// (code, what is wrong, which character), and aria-label says the same to a screen reader.
import type { Problem } from '../../src/core/message/problems';
import { describeCharacter } from '../../src/core/message/charset';
import { RULES } from '../../src/core/message/rules';
import type { Segment } from '../../src/inspector/segments';
import { h } from './dom';

/** Runs longer than this stay one mark; shorter ones get one mark per character. */
const PER_CHARACTER_LIMIT = 32;

export function renderSegments(segments: readonly Segment[], emptyText: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  if (segments.length === 0) {
    frag.append(h('span', { class: 'empty' }, emptyText));
    return frag;
  }
  for (const s of segments) {
    if (s.problems.length === 0) { frag.append(document.createTextNode(s.text)); continue; }
    const chars = [...s.text];
    const pieces = chars.length <= PER_CHARACTER_LIMIT ? chars : [s.text];
    for (const piece of pieces) frag.append(markFor(piece, s.problems));
  }
  return frag;
}

function markFor(text: string, problems: readonly Problem[]): HTMLElement {
  const worst = problems.some((p) => p.severity === 'error') ? 'error' : problems.some((p) => p.severity === 'warning') ? 'warning' : 'info';
  const chars = [...text];
  const what = chars.length === 1 ? describeCharacter(text) : `${chars.length} characters`;
  // Title names the rule (code and title from the shared RULES table), then says what is wrong.
  const rules = problems.map((p) => `${p.code} ${RULES[p.rule].title}. ${p.message}`).join(' ');
  const label = `${what}: ${rules}`;
  const mark = h('mark', {
    class: `flag flag-${worst}`,
    title: label,
    'aria-label': label,
    'data-codes': problems.map((p) => p.code).join(' '),
    'data-rules': problems.map((p) => p.rule).join(' '),
  });
  // Make spaces and control characters visible inside the highlight.
  mark.textContent = text.replace(/ /g, '\u00b7').replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(0x2400 + (c === '\u007f' ? 0x21 : c.charCodeAt(0))));
  mark.dataset['raw'] = text;
  return mark;
}

/** Problems about the whole value (no character range): a note under the value. */
export function renderWholeProblems(problems: readonly Problem[]): HTMLElement | null {
  if (problems.length === 0) return null;
  return h('ul', { class: 'whole-problems' }, ...problems.map((p) =>
    h('li', { class: `problem-note severity-${p.severity}`, 'data-code': p.code, 'data-rule': p.rule }, `${p.code}: ${p.message}`)));
}
