// The problem list: every problem core validation found, each naming its place; choosing one
// moves focus to the field it is about.
import type { Problem, ProblemTarget } from '../../src/core/message/problems';
import { SYSTEM_PROPERTY_WIRE_NAMES } from '../../src/core/message/model';
import type { InspectorViewModel } from '../../src/inspector/viewModel';
import { badge } from '../components/toolkit';
import { h } from './dom';

export function describeTarget(t: ProblemTarget): string {
  switch (t.kind) {
    case 'systemProperty': return `system property ${SYSTEM_PROPERTY_WIRE_NAMES[t.property]}`;
    case 'applicationPropertyName': return `name of application property "${t.name}"`;
    case 'applicationPropertyValue': return `value of application property "${t.name}"`;
    case 'deviceId': return 'device id';
    case 'body': return 'body';
    case 'message': return 'message';
  }
}

/** The field key (as used by the property tables) a problem points at, if any. */
export function fieldKeyFor(t: ProblemTarget): string | undefined {
  switch (t.kind) {
    case 'systemProperty': return `system:${t.property}:value`;
    case 'applicationPropertyName': return `application:${t.index}:name`;
    case 'applicationPropertyValue': return `application:${t.index}:value`;
    case 'deviceId': return 'deviceId';
    default: return undefined;
  }
}

export function renderProblems(vm: InspectorViewModel, goTo: (p: Problem) => void): HTMLElement {
  const n = vm.problems.length;
  const heading = h('h2', { id: 'problems-heading' }, 'Problems ',
    badge(String(n), `${vm.counts.error} errors, ${vm.counts.warning} warnings, ${vm.counts.info} notes`));
  if (n === 0) {
    return h('section', { id: 'problems', 'aria-labelledby': 'problems-heading' }, heading,
      h('p', { class: 'no-problems', 'data-testid': 'no-problems' }, `No problems for ${vm.direction.toUpperCase()}.`));
  }
  const list = h('ul', { class: 'problem-list', 'data-testid': 'problem-list' }, ...vm.problems.map((p) => {
    const where = describeTarget(p.target);
    const item = h('li', { class: `problem severity-${p.severity}`, 'data-code': p.code, 'data-rule': p.rule },
      h('span', { class: 'severity', 'aria-hidden': 'true' }, p.severity === 'error' ? '\u2716' : p.severity === 'warning' ? '\u26a0' : '\u2139'),
      h('span', { class: 'visually-hidden' }, `${p.severity}: `),
      h('code', { class: 'code' }, p.code), ' ',
      // A problem about the whole message says so itself; naming "message" first would only repeat it.
      p.target.kind === 'message' ? '' : h('span', { class: 'where' }, where),
      p.target.kind === 'message' ? '' : ': ',
      h('span', { class: 'message' }, p.message));
    if (fieldKeyFor(p.target) !== undefined) {
      const go = h('button', { class: 'link-button', type: 'button', 'aria-label': `Go to ${where}` }, 'Go to');
      go.addEventListener('click', () => goTo(p));
      item.append(' ', go);
    }
    return item;
  }));
  return h('section', { id: 'problems', 'aria-labelledby': 'problems-heading' }, heading, list);
}
