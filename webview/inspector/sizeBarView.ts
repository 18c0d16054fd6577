// The size bar: body, system values, application names and values stacked against the limit
// (256 KB D2C, 64 KB C2D), with the limit as a line and the whole bar red once past it.
import type { SizeBarModel } from '../../src/inspector/viewModel';
import { formatBytes } from '../../src/inspector/viewModel';
import { h } from './dom';

export function renderSizeBar(model: SizeBarModel): HTMLElement {
  const bar = h('div', {
    class: `size-bar${model.over ? ' over' : ''}`,
    role: 'img',
    'aria-label': `Message size: ${model.summary}`,
    'data-testid': 'size-bar',
    'data-over': String(model.over),
  });
  for (const p of model.parts) {
    if (p.bytes === 0) continue;
    const part = h('div', { class: `size-part part-${p.kind}`, title: `${p.label}: ${formatBytes(p.bytes)}` });
    // CSSOM writes are allowed by the CSP (inline style attributes are not).
    part.style.width = `${p.percent}%`;
    bar.append(part);
  }
  if (model.over) {
    const overflow = h('div', { class: 'size-overflow', title: `Over the limit by ${formatBytes(model.total - model.limit)}`, 'data-testid': 'size-overflow' });
    overflow.style.left = `${model.limitPercent}%`;
    bar.append(overflow);
  }
  const limit = h('div', { class: 'size-limit', title: `Limit: ${formatBytes(model.limit)}` });
  limit.style.left = `${model.limitPercent}%`;
  bar.append(limit);

  const legend = h('table', { class: 'size-legend' },
    h('caption', { class: 'visually-hidden' }, 'Size breakdown'),
    h('tbody', {},
      ...model.parts.map((p) => h('tr', { 'data-part': p.kind },
        h('th', { scope: 'row' }, h('span', { class: `swatch part-${p.kind}`, 'aria-hidden': 'true' }), p.label),
        h('td', {}, formatBytes(p.bytes)))),
      h('tr', { class: 'size-total' }, h('th', { scope: 'row' }, 'Total'), h('td', {}, formatBytes(model.total)))));

  return h('div', { class: 'size' },
    bar,
    h('p', { class: `size-summary${model.over ? ' over' : ''}`, 'data-testid': 'size-summary' }, model.summary),
    legend);
}
