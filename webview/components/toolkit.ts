// The thin component layer: the inspector builds its controls only through these functions, never
// by naming a toolkit tag. @vscode/webview-ui-toolkit was deprecated on 2025-01-01; swapping to its
// community successor @vscode-elements/elements means changing this one file.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeDropdown, vsCodeOption, vsCodePanels,
  vsCodePanelTab, vsCodePanelView, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(), vsCodePanelTab(),
    vsCodePanelView(), vsCodeTextField(),
  );
}

export interface ButtonOptions {
  label: string;
  /** What a screen reader says when the visible label is not enough. */
  ariaLabel?: string;
  title?: string;
  appearance?: 'primary' | 'secondary';
  disabled?: boolean;
  testId?: string;
  onClick: () => void;
}

export function button(o: ButtonOptions): HTMLElement {
  const el = document.createElement('vscode-button');
  el.textContent = o.label;
  el.setAttribute('appearance', o.appearance ?? 'secondary');
  if (o.ariaLabel) el.setAttribute('aria-label', o.ariaLabel);
  if (o.title) el.title = o.title;
  if (o.testId) el.dataset['testid'] = o.testId;
  setDisabled(el, o.disabled ?? false);
  el.addEventListener('click', () => { if (!el.hasAttribute('disabled')) o.onClick(); });
  return el;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export interface TextFieldOptions {
  value: string;
  ariaLabel: string;
  placeholder?: string;
  onInput: (value: string) => void;
  onKeyDown?: (e: KeyboardEvent) => void;
  onBlur?: () => void;
}

export interface TextFieldHandle {
  element: HTMLElement;
  value(): string;
  focus(): void;
}

export function textField(o: TextFieldOptions): TextFieldHandle {
  const el = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  el.setAttribute('aria-label', o.ariaLabel);
  if (o.placeholder) el.setAttribute('placeholder', o.placeholder);
  el.value = o.value;
  el.addEventListener('input', () => o.onInput(el.value));
  if (o.onKeyDown) el.addEventListener('keydown', o.onKeyDown);
  if (o.onBlur) el.addEventListener('focusout', o.onBlur);
  return { element: el, value: () => el.value, focus: () => el.focus() };
}

export interface ChoiceOptions<T extends string> {
  ariaLabel: string;
  value: T;
  choices: ReadonlyArray<{ value: T; label: string }>;
  onChange: (value: T) => void;
  testId?: string;
}

export function dropdown<T extends string>(o: ChoiceOptions<T>): HTMLElement {
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  el.setAttribute('aria-label', o.ariaLabel);
  if (o.testId) el.dataset['testid'] = o.testId;
  for (const c of o.choices) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.textContent = c.label;
    opt.setAttribute('value', c.value);
    if (c.value === o.value) opt.setAttribute('selected', '');
    el.append(opt);
  }
  el.addEventListener('change', () => {
    const chosen = o.choices.find((c) => c.value === el.value);
    if (chosen) o.onChange(chosen.value);
  });
  return el;
}

/**
 * A count badge. Our own span (styled with the badge theme colours in inspector.css), not
 * vscode-badge: its template writes an inline style attribute, which the strict CSP blocks.
 */
export function badge(text: string, ariaLabel?: string): HTMLElement {
  const el = document.createElement('span');
  el.className = 'count-badge';
  el.textContent = text;
  if (ariaLabel) el.setAttribute('aria-label', ariaLabel);
  return el;
}

export interface TabsOptions<T extends string> {
  ariaLabel: string;
  active: T;
  tabs: ReadonlyArray<{ id: T; label: string; disabled?: boolean; title?: string }>;
  onChange: (id: T) => void;
}

export interface TabsHandle<T extends string> {
  element: HTMLElement;
  /** The container that holds tab `id`'s content. */
  view(id: T): HTMLElement;
  setActive(id: T): void;
  setTabDisabled(id: T, disabled: boolean, title?: string): void;
}

export function tabs<T extends string>(o: TabsOptions<T>): TabsHandle<T> {
  const el = document.createElement('vscode-panels') as HTMLElement & { activeid: string };
  el.setAttribute('aria-label', o.ariaLabel);
  const views = new Map<T, HTMLElement>();
  for (const t of o.tabs) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${t.id}`;
    tab.textContent = t.label;
    if (t.title) tab.title = t.title;
    if (t.disabled) tab.setAttribute('disabled', '');
    el.append(tab);
  }
  for (const t of o.tabs) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${t.id}`;
    el.append(view);
    views.set(t.id, view);
  }
  el.setAttribute('activeid', `tab-${o.active}`);
  el.addEventListener('change', (e) => {
    if (e.target !== el) return;
    const id = el.activeid.replace(/^tab-/, '');
    const tab = o.tabs.find((t) => t.id === id);
    if (tab) o.onChange(tab.id);
  });
  return {
    element: el,
    view: (id) => {
      const v = views.get(id);
      if (!v) throw new Error(`no tab ${id}`);
      return v;
    },
    setActive: (id) => { el.setAttribute('activeid', `tab-${id}`); },
    setTabDisabled: (id, disabled, title) => {
      const tab = el.querySelector(`#tab-${id}`);
      if (!(tab instanceof HTMLElement)) return;
      tab.toggleAttribute('disabled', disabled);
      tab.title = title ?? '';
    },
  };
}
