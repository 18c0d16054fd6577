// The Message Monitor page: a toolbar (pause/resume, clear, filter, export, record, stop), the live
// chart, a virtualised table of the shown messages (newest at the bottom, following the tail while
// scrolled to it) and the selected message in full (every system property with IoT Hub's stamps
// marked as such, application properties, the body through the inspector's text/JSON/hex view).
import type { MonitorHostToWebview, MonitorStatusView, MonitorWebviewToHost, WireMonitored } from '../../src/monitor/protocol';
import { SENDER_SYSTEM_PROPERTIES, SYSTEM_PROPERTY_WIRE_NAMES, type SystemPropertyName } from '../../src/core/message/model';
import { buildBodyModel } from '../../src/inspector/body';
import { base64ToBytes } from '../../src/inspector/wire';
import { button, textField } from '../components/toolkit';
import { BodyView } from '../inspector/bodyView';
import { h } from '../inspector/dom';
import { Chart } from './chart';
import { Store, type Row } from './store';
import { timeOfDay } from './timeOfDay';

export interface VsCodeApi {
  postMessage(message: MonitorWebviewToHost): void;
}

const ROW_HEIGHT = 22;
const OVERSCAN = 10;

export class MonitorApp {
  private store = new Store(10_000);
  /** Indexes (oldest first) of rows passing the filter; rebuilt on filter change, extended on arrival. */
  private shown: Row[] = [];
  private filter = '';
  private paused = false;
  /** Rows that arrived while paused (already in the store, not yet in `shown`). */
  private heldWhilePaused: Row[] = [];
  private selected: Row | undefined;
  private follow = true;
  private status: MonitorStatusView = { state: 'starting', received: 0, rate: 0 };
  private readonly titleEl = h('h1', { 'data-testid': 'monitor-title' }, 'D2C Message Monitor');
  private readonly statusEl = h('p', { class: 'monitor-status', 'data-testid': 'monitor-status', 'aria-live': 'polite' });
  private readonly pauseButton: HTMLElement;
  private readonly recordButton: HTMLElement;
  private readonly scroller = h('div', { class: 'rows', tabindex: '0', role: 'grid', 'aria-label': 'Received messages', 'data-testid': 'monitor-rows' });
  private readonly spacer = h('div', { class: 'rows-spacer' });
  private readonly window = h('div', { class: 'rows-window' });
  private readonly detail = h('section', { class: 'detail', 'aria-label': 'Selected message', 'data-testid': 'monitor-detail' });
  private readonly chart: Chart;
  private frame = 0;
  private readonly bodyView = new BodyView({ onViewChange: () => undefined, onTextInput: () => undefined });

  constructor(root: HTMLElement, private readonly api: VsCodeApi) {
    this.pauseButton = button({ label: 'Pause', testId: 'pause', onClick: () => this.togglePause() });
    this.recordButton = button({ label: 'Record...', testId: 'record', title: 'Append every new message to an NDJSON file while the monitor runs', onClick: () => this.api.postMessage({ type: 'record', on: this.status.recording === undefined }) });
    const filter = textField({ value: '', ariaLabel: 'Filter by device, property or body text', placeholder: 'Filter: device, property or body text', onInput: (v) => this.setFilter(v) });
    const toolbar = h('div', { class: 'toolbar' },
      this.pauseButton,
      button({ label: 'Clear', testId: 'clear', onClick: () => this.clear() }),
      filter.element,
      button({ label: 'Export NDJSON...', testId: 'export-ndjson', onClick: () => this.api.postMessage({ type: 'export', format: 'ndjson', messages: this.shown.map((r) => r.m) }) }),
      button({ label: 'Export CSV...', testId: 'export-csv', onClick: () => this.api.postMessage({ type: 'export', format: 'csv', messages: this.shown.map((r) => r.m) }) }),
      this.recordButton,
      button({ label: 'Stop Monitor', testId: 'stop', onClick: () => this.api.postMessage({ type: 'stop' }) }));
    this.chart = new Chart(() => this.shown);
    const header = h('div', { class: 'row header', role: 'row' },
      ...['Time', 'Device', 'Message id', 'Size', 'Content type', 'Properties', 'Body'].map((t) => h('span', { role: 'columnheader' }, t)));
    this.spacer.append(this.window);
    this.scroller.append(this.spacer);
    this.scroller.addEventListener('scroll', () => {
      this.follow = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW_HEIGHT;
      this.schedule();
    });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
    this.detail.append(h('p', { class: 'empty' }, 'Select a message to see all of it.'));
    root.append(h('header', {}, this.titleEl, this.statusEl, toolbar), this.chart.element,
      h('div', { class: 'table' }, header, this.scroller), this.detail);
    this.renderStatus();
  }

  handle(raw: unknown): void {
    const m = raw as MonitorHostToWebview;
    switch (m.type) {
      case 'init':
        this.titleEl.textContent = `D2C: ${m.title}`;
        this.store = new Store(m.capacity);
        this.shown = [];
        this.add(m.messages);
        this.status = m.status;
        this.renderStatus();
        return;
      case 'messages':
        this.add(m.messages);
        return;
      case 'status':
        this.status = m.status;
        this.renderStatus();
        return;
    }
  }

  private add(messages: WireMonitored[]): void {
    const added: Row[] = [];
    for (const m of messages) added.push(this.store.add(m));
    const fits = added.filter((r) => this.matches(r));
    if (this.paused) {
      this.heldWhilePaused.push(...fits);
    } else {
      this.appendShown(fits);
    }
    this.renderStatus();
  }

  private appendShown(rows: Row[]): void {
    this.shown.push(...rows);
    // The store let the oldest go: so does the view (it never shows more than the ring holds).
    if (this.shown.length > this.store.capacity) this.shown.splice(0, this.shown.length - this.store.capacity);
    this.chart.added(rows);
    this.schedule();
  }

  private matches(r: Row): boolean {
    return this.filter === '' || r.haystack.includes(this.filter);
  }

  private setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    this.heldWhilePaused = [];
    this.shown = this.store.all().filter((r) => this.matches(r));
    this.chart.cleared();
    this.schedule();
    this.renderStatus();
  }

  private togglePause(): void {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.paused ? 'Resume' : 'Pause';
    if (!this.paused) {
      const held = this.heldWhilePaused;
      this.heldWhilePaused = [];
      this.appendShown(held);
    }
    this.renderStatus();
  }

  private clear(): void {
    this.store.clear();
    this.shown = [];
    this.heldWhilePaused = [];
    this.selected = undefined;
    this.detail.replaceChildren(h('p', { class: 'empty' }, 'Select a message to see all of it.'));
    this.chart.cleared();
    this.schedule();
    this.renderStatus();
  }

  private renderStatus(): void {
    const s = this.status;
    const parts = [
      s.state === 'running' ? 'Running' : s.state === 'waiting' ? 'Waiting for the hub' : s.state === 'stopped' ? 'Stopped' : 'Starting',
      `${this.store.total} received`,
      `${this.shown.length} shown`,
      `${s.rate.toFixed(1)} msg/s`,
      `${this.store.dropped} let go by the ${this.store.capacity}-message buffer`,
    ];
    if (this.paused) parts.push(`paused (${this.heldWhilePaused.length} held)`);
    if (s.recording !== undefined) parts.push(`recording to ${s.recording}`);
    if (s.detail !== undefined) parts.push(s.detail);
    this.statusEl.textContent = parts.join(' \u00b7 ');
    this.statusEl.dataset['received'] = String(this.store.total);
    this.statusEl.dataset['dropped'] = String(this.store.dropped);
    this.statusEl.dataset['state'] = s.state;
    this.recordButton.textContent = s.recording !== undefined ? 'Stop Recording' : 'Record...';
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const total = this.shown.length;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    if (this.follow) this.scroller.scrollTop = this.scroller.scrollHeight;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.ceil((this.scroller.clientHeight || 400) / ROW_HEIGHT) + 2 * OVERSCAN;
    const rows: HTMLElement[] = [];
    for (let i = first; i < Math.min(total, first + count); i++) rows.push(this.renderRow(this.shown[i]!, i));
    this.window.replaceChildren(...rows);
    this.window.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.scroller.dataset['rows'] = String(total);
  }

  private renderRow(r: Row, index: number): HTMLElement {
    const m = r.m;
    const props = m.applicationProperties.map((p) => `${p.name}=${p.value}`).join(', ');
    const el = h('div', { class: `row${r === this.selected ? ' selected' : ''}`, role: 'row', 'data-seq': String(m.seq), 'data-index': String(index), 'aria-selected': r === this.selected ? 'true' : 'false' },
      h('span', { role: 'gridcell' }, timeOfDay(Date.parse(m.enqueuedTimeUtc)) + `.${m.enqueuedTimeUtc.slice(20, 23)}`),
      h('span', { role: 'gridcell', class: 'device' }, m.deviceId),
      h('span', { role: 'gridcell' }, m.systemProperties.messageId ?? ''),
      h('span', { role: 'gridcell', class: 'num' }, String(m.size)),
      h('span', { role: 'gridcell' }, m.systemProperties.contentType ?? ''),
      h('span', { role: 'gridcell', title: props }, props),
      h('span', { role: 'gridcell', class: 'preview', title: r.text.slice(0, 300) }, r.text.slice(0, 200).replace(/\s+/g, ' ')));
    el.addEventListener('click', () => this.select(r));
    return el;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const i = this.selected ? this.shown.indexOf(this.selected) : this.shown.length;
    const next = this.shown[Math.max(0, Math.min(this.shown.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) this.select(next);
  }

  private previousOf(r: Row): Row | undefined {
    const all = this.store.all();
    for (let i = all.indexOf(r) - 1; i >= 0; i--) if (all[i]!.m.deviceId === r.m.deviceId) return all[i];
    return undefined;
  }

  private select(r: Row): void {
    this.selected = r;
    this.follow = false;
    this.schedule();
    const m = r.m;
    const previous = this.previousOf(r);
    const actions = h('div', { class: 'actions' },
      button({ label: 'Open in Inspector', appearance: 'primary', testId: 'open-inspector', onClick: () => this.api.postMessage({ type: 'action', action: 'openInInspector', message: m }) }),
      button({ label: 'Save as Message File...', testId: 'save-file', onClick: () => this.api.postMessage({ type: 'action', action: 'saveAsFile', message: m }) }),
      button({ label: 'Copy as JSON', testId: 'copy-json', onClick: () => this.api.postMessage({ type: 'action', action: 'copyJson', message: m }) }),
      button({
        label: 'Compare with Previous', testId: 'diff-previous', disabled: previous === undefined,
        title: previous ? `Diff with ${m.deviceId}'s message before this one` : `No earlier message from ${m.deviceId} is kept`,
        onClick: () => { if (previous) this.api.postMessage({ type: 'diff', message: m, previous: previous.m }); },
      }));
    const sys = h('tbody');
    const stamp = (name: string, value: string, stamped: boolean): void => {
      sys.append(h('tr', {}, h('th', { scope: 'row' }, h('code', {}, name)), h('td', {}, h('code', {}, value)), h('td', { class: 'tag' }, stamped ? 'stamped by IoT Hub' : '')));
    };
    for (const key of Object.keys(SYSTEM_PROPERTY_WIRE_NAMES) as SystemPropertyName[]) {
      const v = m.systemProperties[key];
      if (v !== undefined) stamp(SYSTEM_PROPERTY_WIRE_NAMES[key], v, !SENDER_SYSTEM_PROPERTIES.includes(key));
    }
    stamp('x-opt-offset', m.offset, true);
    stamp('partition', m.partitionId, true);
    for (const [k, v] of Object.entries(m.otherProperties)) stamp(k, v, true);
    const app = h('tbody');
    for (const p of m.applicationProperties) app.append(h('tr', {}, h('th', { scope: 'row' }, h('code', {}, p.name)), h('td', {}, h('code', {}, p.value))));
    const bytes = base64ToBytes(m.bodyBase64);
    this.bodyView.reset();
    this.bodyView.update(buildBodyModel(bytes, m.systemProperties.contentType, m.systemProperties.contentEncoding), bytes, undefined);
    this.detail.replaceChildren(
      h('h2', {}, 'Message ', h('code', {}, m.systemProperties.messageId ?? '(no message-id)'), ` from ${m.deviceId}`),
      actions,
      h('h3', {}, 'System properties'),
      h('table', { class: 'props', 'data-testid': 'detail-system' }, sys),
      h('h3', {}, `Application properties (${m.applicationProperties.length})`),
      m.applicationProperties.length > 0 ? h('table', { class: 'props', 'data-testid': 'detail-application' }, app) : h('p', { class: 'empty' }, 'None.'),
      h('h3', {}, `Body (${bytes.length} bytes)`),
      this.bodyView.element);
  }
}
