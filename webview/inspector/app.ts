// The inspector page: holds the message being inspected, re-validates it on every edit through
// the shared view model (core validation underneath), and redraws only what changed.
import { errorText } from '../../src/core/errorText';
import type { Direction, IotMessage } from '../../src/core/message/model';
import type { Problem } from '../../src/core/message/problems';
import * as edits from '../../src/inspector/edits';
import type {
  HostToWebview, InspectorRequestMethod, InspectorRequests, InspectorState, MessageSource, SendCapabilities, WebviewToHost, WireMessage,
} from '../../src/inspector/protocol';
import { isHostToWebview, isInspectorState } from '../../src/inspector/protocol';
import { buildViewModel, type InspectorViewModel, type ViewModelOptions } from '../../src/inspector/viewModel';
import { fromWire, toWire } from '../../src/inspector/wire';
import { button, dropdown, setDisabled } from '../components/toolkit';
import { BodyView } from './bodyView';
import { h } from './dom';
import { EditableField } from './editableField';
import { fieldKeyFor, renderProblems } from './problemsView';
import { PropertyTable } from './propertyTable';
import { renderRoutes } from './routesView';
import { renderSizeBar } from './sizeBarView';

export interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

interface Loaded {
  state: InspectorState;
  message: IotMessage;
  original: IotMessage;
  /** `original` as sent, so saving state does not re-encode it. */
  originalWire: WireMessage;
  vm: InspectorViewModel | undefined;
  send: SendCapabilities;
  sendReason: string | undefined;
}

const STATE_DEBOUNCE_MS = 300;

export class InspectorApp {
  private loaded: Loaded | undefined;
  private nextRequestId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private stateTimer: ReturnType<typeof setTimeout> | undefined;
  private renderSeq = 0;

  // Long-lived parts (kept across refreshes so fields being edited survive).
  private readonly title = h('h1', { id: 'title' });
  private readonly routing = h('div', { class: 'routing' });
  private readonly actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Message actions' });
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-testid': 'status' });
  private readonly problemsHost = h('div', { class: 'problems-host' });
  private readonly sizeHost = h('section', { id: 'size', 'aria-labelledby': 'size-heading' });
  private readonly routesHost = h('section', { id: 'routes', 'aria-labelledby': 'routes-heading', 'data-testid': 'routes' });
  private readonly systemTable: PropertyTable;
  private readonly applicationTable: PropertyTable;
  private readonly bodyView: BodyView;
  private deviceField: EditableField;
  private readonly addPropertyHost: HTMLElement;
  private directionHost = h('span', { class: 'direction' });
  /** Unset sender properties are listed only on request (they would bury the ones that are set). */
  private showUnset = false;
  /** System rows shown so far: a row stays while its value is cleared mid-edit. */
  private readonly shownSystemKeys = new Set<string>();
  private readonly unsetToggle = h('div', { class: 'table-toggle' });

  constructor(private readonly root: HTMLElement, private readonly api: VsCodeApi) {
    this.systemTable = new PropertyTable('system', 'System properties', {
      onName: () => undefined,
      onValue: (row, v) => { if (row.property) this.edit((m) => edits.setSystemProperty(m, row.property ?? 'messageId', v === '' ? undefined : v)); },
    });
    this.applicationTable = new PropertyTable('application', 'Application properties', {
      onName: (row, v) => { if (row.index !== undefined) { const i = row.index; this.edit((m) => edits.setApplicationPropertyName(m, i, v)); } },
      onValue: (row, v) => { if (row.index !== undefined) { const i = row.index; this.edit((m) => edits.setApplicationPropertyValue(m, i, v)); } },
      onRemove: (row) => { if (row.index !== undefined) { const i = row.index; this.edit((m) => edits.removeApplicationProperty(m, i)); } },
    });
    this.bodyView = new BodyView({
      onViewChange: (view) => { if (this.loaded) { this.loaded.state.bodyView = view; this.persist(); } },
      onTextInput: (text) => this.edit((m) => edits.setBodyText(m, text)),
    });
    this.deviceField = this.makeDeviceField(true);
    const addProperty = button({
      label: 'Add property', ariaLabel: 'Add application property', testId: 'add-property',
      onClick: () => {
        this.edit((m) => edits.addApplicationProperty(m, '', ''));
        const n = this.loaded?.message.applicationProperties.length ?? 0;
        this.applicationTable.field(`application:${n - 1}:name`)?.startEditing();
      },
    });
    this.addPropertyHost = h('div', { class: 'table-actions' }, addProperty);
    root.replaceChildren(
      h('header', {}, this.title, this.routing, this.actions, this.status),
      this.problemsHost,
      this.sizeHost,
      this.routesHost,
      h('section', { id: 'system', 'aria-labelledby': 'system-heading' }, h('h2', { id: 'system-heading' }, 'System properties'), this.systemTable.element, this.unsetToggle),
      h('section', { id: 'application', 'aria-labelledby': 'application-heading' },
        h('h2', { id: 'application-heading' }, 'Application properties'), this.applicationTable.element, this.addPropertyHost),
      h('section', { id: 'body', 'aria-labelledby': 'body-heading' }, h('h2', { id: 'body-heading' }, 'Body'), this.bodyView.element),
    );
    root.setAttribute('aria-busy', 'true');
    this.status.textContent = 'Waiting for the message\u2026';
  }

  private makeDeviceField(editable: boolean): EditableField {
    return new EditableField({
      label: 'device id', editable, emptyText: '(none)', testId: 'deviceId',
      onLiveChange: (v) => this.edit((m) => edits.setDeviceId(m, v)),
    });
  }

  /** Entry point for everything the host posts. Unknown shapes are ignored, not trusted. */
  handle(data: unknown): void {
    if (!isHostToWebview(data)) return;
    const msg: HostToWebview = data;
    if (msg.type === 'load') {
      this.load(msg.revision === undefined ? msg.state : { ...msg.state, revision: msg.revision }, msg.send, msg.sendUnavailableReason);
      if (msg.revision !== undefined) this.api.postMessage({ type: 'shown', revision: msg.revision });
      return;
    }
    if (msg.type === 'kept') {
      this.keep();
      return;
    }
    if (msg.type === 'routes') {
      this.routesHost.replaceChildren(...renderRoutes(msg.verdict));
      return;
    }
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(msg.error));
  }

  private load(state: InspectorState, send: SendCapabilities, sendReason: string | undefined): void {
    performance.mark('inspector:load');
    const message = fromWire(state.message);
    const originalWire = state.original ?? state.message;
    const original = state.original ? fromWire(state.original) : message;
    performance.measure('inspector:fromWire', 'inspector:load');
    const readOnly = state.readOnly === true;
    this.bodyView.reset(readOnly);
    this.lastBody = undefined;
    this.shownSystemKeys.clear();
    this.deviceField = this.makeDeviceField(!readOnly);
    this.addPropertyHost.hidden = readOnly;
    document.body.classList.toggle('read-only', readOnly);
    this.loaded = { state: { ...state }, message, original, originalWire, vm: undefined, send, sendReason };
    this.renderRouting(state.direction, state.source);
    this.renderActions();
    this.refresh();
    this.root.setAttribute('aria-busy', 'false');
    this.status.textContent = '';
    this.api.setState(state);
    // The message is in the DOM; its frame paints next (bench:inspector:vscode reads the mark).
    performance.mark('inspector:rendered');
  }

  /** The host kept this panel: the saved state says so too, for the serializer. */
  private keep(): void {
    if (this.loaded) this.loaded.state = { ...this.loaded.state, kept: true };
    const saved: unknown = this.api.getState();
    if (isInspectorState(saved)) this.api.setState({ ...saved, kept: true });
  }

  private edit(change: (m: IotMessage) => IotMessage): void {
    const l = this.loaded;
    if (!l) return;
    try {
      l.message = change(l.message);
    } catch (e) {
      this.say(errorText(e));
      return;
    }
    l.state.edited = true;
    this.refresh();
    this.persist();
  }

  private setDirection(direction: Direction): void {
    const l = this.loaded;
    if (!l || l.state.direction === direction) return;
    l.state.direction = direction;
    l.message = edits.setDirection(l.message, direction);
    this.refresh();
    this.persist();
  }

  private refresh(): void {
    const l = this.loaded;
    if (!l) return;
    const sys = l.message.systemProperties;
    // Marks for the benchmark (bench/inspector.bench.ts reads them); cheap enough to keep.
    performance.mark('inspector:refresh');
    const vm = buildViewModel(l.message, {
      direction: l.state.direction,
      now: new Date(),
      fromHub: l.state.source.kind === 'c2dQueue' || l.state.source.kind === 'd2cMonitor',
      readOnly: l.state.readOnly === true,
      ...(this.lastBody ? { previousBody: this.lastBody } : {}),
    });
    l.vm = vm;
    performance.measure('inspector:viewModel', 'inspector:refresh');
    this.lastBody = { bytes: l.message.body, contentType: sys.contentType, contentEncoding: sys.contentEncoding, model: vm.body };
    const id = sys.messageId;
    this.title.replaceChildren('Message ', id ? h('code', {}, id) : h('span', { class: 'empty' }, '(no message-id)'),
      l.state.edited ? h('span', { class: 'edited' }, ' (edited)') : '');
    this.deviceField.update(vm.deviceId, vm.deviceIdSegments, vm.problems.filter((p) => p.target.kind === 'deviceId' && p.range === undefined));
    this.problemsHost.replaceChildren(renderProblems(vm, (p) => this.goTo(p)));
    this.sizeHost.replaceChildren(h('h2', { id: 'size-heading' }, 'Size'), renderSizeBar(vm.size));
    for (const r of vm.systemRows) if (r.value !== undefined || r.worst !== undefined) this.shownSystemKeys.add(r.key);
    const shown = vm.systemRows.filter((r) => this.showUnset || this.shownSystemKeys.has(r.key));
    this.systemTable.update(shown);
    if (vm.readOnly) this.unsetToggle.replaceChildren();
    else this.renderUnsetToggle(vm.systemRows.length - shown.length);
    this.applicationTable.update(vm.applicationRows);
    performance.mark('inspector:body');
    this.bodyView.update(vm.body, l.message.body, l.state.bodyView);
    performance.measure('inspector:bodyDom', 'inspector:body');
    performance.measure('inspector:refreshDom', 'inspector:refresh');
    this.renderSeq += 1;
    document.body.dataset['renderSeq'] = String(this.renderSeq);
  }

  private renderUnsetToggle(hidden: number): void {
    if (!this.showUnset && hidden === 0) { this.unsetToggle.replaceChildren(); return; }
    const label = this.showUnset ? 'Hide unset properties' : `Set another system property (${hidden} not set)`;
    if (this.unsetToggle.textContent === label) return;
    this.unsetToggle.replaceChildren(button({
      label, testId: 'toggle-unset',
      onClick: () => {
        this.showUnset = !this.showUnset;
        this.refresh();
        this.unsetToggle.querySelector<HTMLElement>('[data-testid="toggle-unset"]')?.focus();
      },
    }));
  }

  /** The last body model, reused while only properties change (a 256 KB body is not re-decoded per keystroke). */
  private lastBody: ViewModelOptions['previousBody'];

  private goTo(p: Problem): void {
    const key = fieldKeyFor(p.target);
    if (!key) return;
    const field = key === 'deviceId' ? this.deviceField
      : key.startsWith('system:') ? this.systemTable.field(key) : this.applicationTable.field(key);
    field?.element.scrollIntoView({ block: 'center' });
    field?.focus();
  }

  private renderRouting(direction: Direction, source: MessageSource): void {
    const readOnly = this.loaded?.state.readOnly === true;
    this.directionHost = readOnly
      ? h('span', { class: 'direction', 'data-testid': 'direction' }, direction === 'd2c' ? 'D2C (device to cloud)' : 'C2D (cloud to device)')
      : h('span', { class: 'direction' }, dropdown<Direction>({
      ariaLabel: 'Direction (sets the size limit and character rules)', value: direction, testId: 'direction',
      choices: [{ value: 'd2c', label: 'D2C (device to cloud)' }, { value: 'c2d', label: 'C2D (cloud to device)' }],
      onChange: (d) => this.setDirection(d),
    }));
    const moduleId = this.loaded?.message.moduleId;
    this.routing.replaceChildren(
      h('dl', { class: 'routing-list' },
        h('dt', {}, 'Direction'), h('dd', {}, this.directionHost),
        h('dt', {}, 'Device'), h('dd', {}, this.deviceField.element),
        moduleId ? h('dt', {}, 'Module') : null, moduleId ? h('dd', {}, h('code', {}, moduleId)) : null,
        h('dt', {}, 'Source'), h('dd', { 'data-testid': 'source' }, describeSource(source))));
  }

  private renderActions(): void {
    const l = this.loaded;
    if (!l) return;
    if (l.state.readOnly === true) {
      // Nothing to edit or send: the message is IoT Hub's (queued); a copy can be saved and sent from its file.
      this.actions.replaceChildren(
        button({ label: 'Save as message file', testId: 'save-file', onClick: () => { void this.saveAsFile(); } }),
        h('span', { class: 'send-note', 'data-testid': 'read-only-note' }, 'Read-only: this message is queued on the hub. Save it as a message file to edit or send a copy.'),
      );
      return;
    }
    const reason = l.sendReason ?? 'The send commands are not available in this window.';
    const sendButton = (as: Direction): HTMLElement => {
      const available = as === 'd2c' ? l.send.d2c : l.send.c2d;
      const label = `Send as ${as.toUpperCase()}`;
      const b = button({
        label, appearance: as === l.state.direction ? 'primary' : 'secondary', testId: `send-${as}`,
        ariaLabel: available ? label : `${label} (unavailable: ${reason})`,
        ...(available ? {} : { title: reason }),
        onClick: () => { void this.send(as); },
      });
      setDisabled(b, !available);
      return b;
    };
    const note = !l.send.d2c || !l.send.c2d ? h('span', { class: 'send-note', 'data-testid': 'send-note' }, reason) : null;
    this.actions.replaceChildren(
      sendButton('d2c'), sendButton('c2d'),
      button({ label: 'Save as message file', testId: 'save-file', onClick: () => { void this.saveAsFile(); } }),
      button({
        label: 'Revert edits', testId: 'revert', ariaLabel: 'Revert all edits to the message as it was opened',
        onClick: () => {
          if (!this.loaded) return;
          this.loaded.message = this.loaded.original;
          this.loaded.state.edited = false;
          this.refresh();
          this.persist();
          this.say('Reverted to the message as it was opened.');
        },
      }),
      note ?? '',
    );
  }

  private async send(as: Direction): Promise<void> {
    const l = this.loaded;
    if (!l) return;
    this.say(`Sending as ${as.toUpperCase()}\u2026`);
    try {
      const r = await this.request('send', { as, message: toWire(l.message) });
      this.say(r.detail);
    } catch (e) {
      this.say(`Not sent: ${errorText(e)}`);
    }
  }

  private async saveAsFile(): Promise<void> {
    const l = this.loaded;
    if (!l) return;
    try {
      const r = await this.request('saveAsFile', { message: toWire(l.message) });
      this.say(r.path ? `Saved to ${r.path}.` : 'Not saved.');
    } catch (e) {
      this.say(`Not saved: ${errorText(e)}`);
    }
  }

  private request<M extends InspectorRequestMethod>(method: M, params: InspectorRequests[M]['params']): Promise<InspectorRequests[M]['result']> {
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (r) => resolve(r as InspectorRequests[M]['result']), reject });
      this.api.postMessage({ type: 'request', id, method, params } as WebviewToHost);
    });
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  /** Saved for the serializer (reload) and told to the host (reopen after hide), debounced. */
  private persist(): void {
    if (this.stateTimer !== undefined) clearTimeout(this.stateTimer);
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      const l = this.loaded;
      if (!l) return;
      const { original: _previous, ...rest } = l.state;
      const state: InspectorState = { ...rest, message: toWire(l.message), ...(l.state.edited ? { original: l.originalWire } : {}) };
      l.state = state;
      this.api.setState(state);
      this.api.postMessage({ type: 'stateChanged', state });
    }, STATE_DEBOUNCE_MS);
  }
}

export function describeSource(source: MessageSource): string {
  switch (source.kind) {
    case 'c2dQueue': return `C2D queue of ${source.deviceId}${source.hub ? ` on ${source.hub}` : ''}${source.state ? ` (${source.state})` : ''}`;
    case 'd2cMonitor': return `D2C monitor${source.hub ? ` on ${source.hub}` : ''}${source.partition !== undefined ? `, partition ${source.partition}` : ''}`;
    case 'file': return `File ${source.path}`;
    case 'paste': return 'Pasted';
  }
}
