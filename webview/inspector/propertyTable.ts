// A table of system or application properties. Rows are keyed (`system:messageId`,
// `application:2`), so a live edit redraws the flags of every row without replacing the field
// being typed in.
import type { PropertyRowModel } from '../../src/inspector/viewModel';
import { button } from '../components/toolkit';
import { h } from './dom';
import { EditableField } from './editableField';

export interface PropertyTableHandlers {
  onName: (row: PropertyRowModel, value: string) => void;
  onValue: (row: PropertyRowModel, value: string) => void;
  onRemove?: (row: PropertyRowModel) => void;
}

interface RowView { tr: HTMLTableRowElement; name?: EditableField; value: EditableField; status: HTMLElement }

export class PropertyTable {
  readonly element: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private rows = new Map<string, RowView>();
  private current = new Map<string, PropertyRowModel>();

  constructor(private readonly section: 'system' | 'application', caption: string, private readonly handlers: PropertyTableHandlers) {
    this.body = h('tbody');
    const actions = section === 'application' ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')) : null;
    this.element = h('table', { class: `properties properties-${section}`, 'data-testid': `${section}-properties` },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'),
        h('th', { scope: 'col', class: 'status-col' }, h('span', { class: 'visually-hidden' }, 'Status')), actions)),
      this.body);
  }

  /** Fields by key `<row key>:name|value`, for "go to" from the problem list. */
  field(key: string): EditableField | undefined {
    const m = /^(.*):(name|value)$/.exec(key);
    if (!m) return undefined;
    const row = this.rows.get(m[1] ?? '');
    return m[2] === 'name' ? row?.name ?? row?.value : row?.value;
  }

  update(models: readonly PropertyRowModel[]): void {
    // Rows are rebuilt when the keys change or a row's editability does (a read-only message loaded into the panel).
    const sameKeys = models.length === this.rows.size && models.every((m) => this.rows.has(m.key) && this.current.get(m.key)?.editable === m.editable);
    if (!sameKeys) this.rebuild(models);
    for (const m of models) {
      this.current.set(m.key, m);
      const view = this.rows.get(m.key);
      if (!view) continue;
      view.tr.dataset['name'] = m.name;
      view.tr.classList.toggle('flagged', m.worst !== undefined);
      view.tr.dataset['worst'] = m.worst ?? '';
      view.name?.update(m.name, m.nameSegments, m.nameProblems);
      view.value.update(m.value, m.valueSegments, m.valueProblems);
      view.status.textContent = m.worst === 'error' ? '\u2716' : m.worst === 'warning' ? '\u26a0' : m.worst === 'info' ? '\u2139' : '';
      view.status.title = m.worst ? `${m.worst}: see the highlighted characters or the note under the value` : '';
    }
  }

  private rebuild(models: readonly PropertyRowModel[]): void {
    this.rows.clear();
    this.current.clear();
    this.body.replaceChildren();
    if (models.length === 0) {
      this.body.append(h('tr', { class: 'empty-row' }, h('td', { colspan: '4' }, this.section === 'application' ? 'No application properties.' : 'No system properties.')));
      return;
    }
    for (const m of models) {
      const rowLabel = m.section === 'system' ? m.name : `application property ${m.index !== undefined ? m.index + 1 : ''}`;
      const current = (): PropertyRowModel => this.current.get(m.key) ?? m;
      const name = m.section === 'application'
        ? new EditableField({ label: `name of ${rowLabel}`, editable: m.editable, emptyText: '(empty)', testId: `${m.key}:name`, onLiveChange: (v) => this.handlers.onName(current(), v) })
        : undefined;
      const value = new EditableField({
        label: `value of ${rowLabel}`, editable: m.editable, emptyText: '(not set)', testId: `${m.key}:value`,
        onLiveChange: (v) => this.handlers.onValue(current(), v),
      });
      const status = h('span', { class: 'row-status', 'aria-hidden': 'true' });
      const nameCell = name ? h('td', { class: 'name' }, name.element) : h('th', { scope: 'row', class: 'name' }, h('code', {}, m.name),
        m.stamped ? h('span', { class: 'stamped', title: 'Stamped by IoT Hub; a sender cannot set it' }, ' (hub)') : null);
      const tr = h('tr', { 'data-key': m.key }, nameCell, h('td', { class: 'value' }, value.element), h('td', { class: 'status-col' }, status));
      const onRemove = this.handlers.onRemove;
      if (m.section === 'application' && onRemove && m.editable) {
        tr.append(h('td', { class: 'row-actions' }, button({ label: 'Remove', ariaLabel: `Remove ${rowLabel}`, testId: `${m.key}:remove`, onClick: () => onRemove(current()) })));
      }
      this.body.append(tr);
      const view: RowView = name ? { tr, name, value, status } : { tr, value, status };
      this.rows.set(m.key, view);
    }
  }
}
