// One name or value cell: shows the text with its flags in place; "Edit" swaps in a text field
// whose every keystroke re-validates the message (the flags are redrawn live under the field).
// Enter or leaving the field keeps the edit, Escape puts back what was there before.
import type { Problem } from '../../src/core/message/problems';
import type { Segment } from '../../src/inspector/segments';
import { button, textField, type TextFieldHandle } from '../components/toolkit';
import { clear, h } from './dom';
import { renderSegments, renderWholeProblems } from './segmentsView';

export interface EditableFieldOptions {
  /** e.g. `value of message-id`; used in aria labels. */
  label: string;
  editable: boolean;
  emptyText: string;
  testId: string;
  onLiveChange: (value: string) => void;
  /** Called when editing ends, kept or reverted. */
  onDone?: () => void;
}

export class EditableField {
  readonly element: HTMLElement;
  private readonly display: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly editButton: HTMLElement | undefined;
  private editor: { field: TextFieldHandle; before: string; preview: HTMLElement } | undefined;
  private value = '';
  private segments: readonly Segment[] = [];
  private problems: readonly Problem[] = [];

  constructor(private readonly o: EditableFieldOptions) {
    this.display = h('span', { class: 'field-text', 'data-testid': `${o.testId}-text` });
    this.notes = h('div', { class: 'field-notes' });
    this.element = h('div', { class: 'field', 'data-testid': o.testId }, this.display);
    if (o.editable) {
      this.editButton = button({ label: 'Edit', ariaLabel: `Edit ${o.label}`, testId: `${o.testId}-edit`, onClick: () => this.startEditing() });
      this.editButton.classList.add('edit-button');
      this.display.addEventListener('dblclick', () => this.startEditing());
      this.element.append(this.editButton);
    }
    this.element.append(this.notes);
  }

  get isEditing(): boolean { return this.editor !== undefined; }

  update(value: string | undefined, segments: readonly Segment[], problems: readonly Problem[]): void {
    this.value = value ?? '';
    this.segments = segments;
    this.problems = problems;
    const flagged = segments.some((s) => s.problems.length > 0) || problems.length > 0;
    this.element.classList.toggle('has-flags', flagged);
    if (this.editButton) {
      const n = new Set([...segments.flatMap((s) => s.problems), ...problems]).size;
      this.editButton.setAttribute('aria-label', `Edit ${this.o.label}${n ? ` (${n} problem${n === 1 ? '' : 's'})` : ''}`);
    }
    const target = this.editor ? this.editor.preview : this.display;
    target.replaceChildren(renderSegments(segments, value === undefined ? this.o.emptyText : '(empty)'));
    clear(this.notes);
    const whole = renderWholeProblems(problems);
    if (whole) this.notes.append(whole);
  }

  focus(): void {
    (this.editor?.field ?? this.editButton ?? this.display).focus();
  }

  startEditing(): void {
    if (this.editor || !this.o.editable) return;
    const field = textField({
      value: this.value,
      ariaLabel: this.o.label,
      onInput: (v) => this.o.onLiveChange(v),
      onKeyDown: (e) => {
        if (e.key === 'Enter') { e.preventDefault(); this.stopEditing(false); }
        else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.stopEditing(true); }
      },
      onBlur: () => this.stopEditing(false),
    });
    const preview = h('div', { class: 'field-preview', 'aria-live': 'polite', 'data-testid': `${this.o.testId}-preview` });
    this.editor = { field, before: this.value, preview };
    this.display.replaceWith(h('div', { class: 'field-editor' }, field.element, preview));
    this.editButton?.classList.add('hidden');
    this.update(this.value, this.segments, this.problems);
    // The toolkit field upgrades asynchronously; focus once it is in the DOM.
    requestAnimationFrame(() => field.focus());
  }

  private stopEditing(revert: boolean): void {
    const editor = this.editor;
    if (!editor) return;
    this.editor = undefined;
    editor.field.element.parentElement?.replaceWith(this.display);
    this.editButton?.classList.remove('hidden');
    if (revert) this.o.onLiveChange(editor.before);
    this.update(this.value, this.segments, this.problems);
    this.editButton?.focus();
    this.o.onDone?.();
  }
}
