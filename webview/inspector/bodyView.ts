// The body: text (decoded with content-encoding, editable), pretty JSON, or hex. Only the chosen
// view is drawn; the others are drawn when chosen.
import type { BodyModel } from '../../src/inspector/body';
import { effectiveView } from '../../src/inspector/body';
import type { BodyViewKind } from '../../src/inspector/protocol';
import { formatBytes } from '../../src/inspector/viewModel';
import { button, tabs, type TabsHandle } from '../components/toolkit';
import { h } from './dom';
import { hexView } from './hexView';
import { VirtualList } from './virtualList';
import { displayLines } from '../../src/inspector/lines';

/** Formatted JSON up to this many characters is one <pre> (searchable, copyable); beyond, virtualised. */
const PLAIN_JSON_LIMIT = 64 * 1024;
/** Body text up to this many characters opens straight in the editable textarea. */
const PLAIN_TEXT_LIMIT = 64 * 1024;
const JSON_LABEL = 'Body as formatted JSON (read-only; edit in the Text view)';

export interface BodyViewHandlers {
  onViewChange: (view: BodyViewKind) => void;
  onTextInput: (text: string) => void;
}

export class BodyView {
  readonly element: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly tabsHost: HTMLElement;
  private tabs: TabsHandle<BodyViewKind> | undefined;
  private model: BodyModel | undefined;
  private bytes: Uint8Array = new Uint8Array();
  private view: BodyViewKind = 'text';
  private textArea: HTMLTextAreaElement | undefined;
  /** Set while the textarea's own input is being applied, so update() leaves the textarea alone. */
  private ownEdit = false;
  /** The user asked to edit a body too big to open in the textarea straight away. */
  private editLarge = false;
  /** A read-only message (InspectorState.readOnly): the body is shown, never edited. */
  private readOnly = false;
  private inputTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly handlers: BodyViewHandlers) {
    this.meta = h('p', { class: 'body-meta', 'data-testid': 'body-meta' });
    this.tabsHost = h('div', { class: 'body-tabs' });
    this.element = h('div', { class: 'body' }, this.meta, this.tabsHost);
  }

  /** A new message: start from its default view again. */
  reset(readOnly = false): void {
    this.readOnly = readOnly;
    this.editLarge = false;
    this.model = undefined;
  }

  update(model: BodyModel, bytes: Uint8Array, chosen: BodyViewKind | undefined): void {
    const view = effectiveView(model, chosen);
    const same = this.model === model && this.view === view && this.tabs !== undefined;
    this.updateMeta(model);
    if (same) return;
    // The body changed because the user typed in the textarea: keep it (and the caret) as it is.
    const bodyChangedByTyping = this.ownEdit && this.textArea !== undefined && this.view === 'text' && view === 'text' && this.tabs !== undefined;
    this.ownEdit = false;
    this.model = model;
    this.bytes = bytes;
    this.view = view;
    if (bodyChangedByTyping) {
      this.tabs?.setTabDisabled('json', !model.json.ok, model.json.ok ? undefined : model.json.reason);
      return;
    }
    this.tabs = tabs<BodyViewKind>({
      ariaLabel: 'Body view',
      active: view,
      tabs: [
        { id: 'text', label: 'Text', disabled: !model.text.ok, ...(model.text.ok ? {} : { title: model.text.reason }) },
        { id: 'json', label: 'JSON', disabled: !model.json.ok, ...(model.json.ok ? {} : { title: model.json.reason }) },
        { id: 'hex', label: 'Hex' },
      ],
      onChange: (id) => {
        if (id === this.view) return;
        this.view = id;
        this.drawActive();
        this.handlers.onViewChange(id);
      },
    });
    this.tabsHost.replaceChildren(this.tabs.element);
    this.drawActive();
  }

  private updateMeta(model: BodyModel): void {
    const parts = [formatBytes(model.byteLength)];
    parts.push(`content-type ${model.contentType ?? '(not set)'}`);
    parts.push(`content-encoding ${model.contentEncoding ?? '(not set)'}`);
    if (model.text.ok) parts.push(`decoded as ${model.text.encoding}`);
    else parts.push(`not decodable as text: ${model.text.reason}`);
    this.meta.textContent = parts.join(' \u00b7 ');
  }

  private drawActive(): void {
    const model = this.model;
    const tabs = this.tabs;
    if (!model || !tabs) return;
    for (const id of ['text', 'json', 'hex'] as const) if (id !== this.view) tabs.view(id).replaceChildren();
    const host = tabs.view(this.view);
    this.textArea = undefined;
    if (this.view === 'text') {
      const text = model.text.ok ? model.text.text : '';
      if (text.length > PLAIN_TEXT_LIMIT && (!this.editLarge || this.readOnly)) {
        // A big body is shown virtualised first; the editable textarea (which lays out all of it)
        // comes only when asked for.
        const lines = displayLines(text);
        const list = new VirtualList({
          rowCount: lines.length, className: 'body-lines', testId: 'body-text-lines',
          ariaLabel: `Body text, ${lines.length} lines (read-only until you choose Edit body)`,
          renderRow: (i) => {
            const l = lines[i];
            return h('div', { class: `virtual-row${l?.continuation ? ' continuation' : ''}` }, l?.text ?? '');
          },
        });
        const edit = button({
          label: 'Edit body', testId: 'edit-body', ariaLabel: `Edit the body text (${formatBytes(model.byteLength)})`,
          onClick: () => { this.editLarge = true; this.drawActive(); this.textArea?.focus(); },
        });
        host.replaceChildren(h('div', { class: 'body-view' }, this.readOnly ? '' : h('div', { class: 'body-toolbar' }, edit), list.element));
        list.attached();
        return;
      }
      const area = h('textarea', {
        class: 'body-text', spellcheck: 'false', 'aria-label': `Body text (${model.text.ok && !this.readOnly ? 'editable' : 'read-only'})`, 'data-testid': 'body-text',
        ...(model.text.ok && !this.readOnly ? {} : { readonly: '' }),
      });
      area.value = text;
      area.addEventListener('input', () => {
        // Debounced: re-encoding and re-validating a 256 KB body on every keystroke is wasteful.
        if (this.inputTimer !== undefined) clearTimeout(this.inputTimer);
        this.inputTimer = setTimeout(() => {
          this.inputTimer = undefined;
          this.ownEdit = true;
          this.handlers.onTextInput(area.value);
        }, 200);
      });
      this.textArea = area;
      host.replaceChildren(area);
    } else if (this.view === 'json') {
      if (!model.json.ok) {
        host.replaceChildren(h('p', { class: 'body-note' }, model.json.reason));
      } else if (model.json.pretty.length <= PLAIN_JSON_LIMIT) {
        host.replaceChildren(h('pre', { class: 'body-json', tabindex: '0', role: 'region', 'aria-label': JSON_LABEL, 'data-testid': 'body-json' }, model.json.pretty));
      } else {
        // Big JSON is virtualised: laying out hundreds of KB of text at once blows the 200 ms budget.
        const lines = displayLines(model.json.pretty);
        const list = new VirtualList({
          rowCount: lines.length, className: 'body-json', testId: 'body-json', ariaLabel: `${JSON_LABEL}, ${lines.length} lines`,
          renderRow: (i) => {
            const l = lines[i];
            return h('div', { class: `virtual-row${l?.continuation ? ' continuation' : ''}` }, l?.text ?? '');
          },
        });
        host.replaceChildren(list.element);
        list.attached();
      }
    } else {
      const hex = hexView(this.bytes);
      host.replaceChildren(hex.element);
      hex.attached();
    }
  }
}
