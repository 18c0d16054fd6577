// A virtualised list of fixed-height rows: only the rows in view (plus a margin) exist in the DOM,
// so a 256 KB body (16,384 hex rows, thousands of JSON lines) costs the same to show as a 1 KB one.
// The scroll container is focusable, so the arrow and page keys scroll it.
import { h } from './dom';

const OVERSCAN = 20;
/** Rows drawn before the first measurement (the panel may not be laid out yet). */
const INITIAL_ROWS = 64;

export interface VirtualListOptions {
  rowCount: number;
  renderRow: (index: number) => HTMLElement;
  className: string;
  ariaLabel: string;
  testId: string;
}

export class VirtualList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly window: HTMLElement;
  private rowHeight = 0;
  private drawn = { first: -1, count: 0 };
  private frame = 0;

  constructor(private readonly o: VirtualListOptions) {
    this.window = h('div', { class: 'virtual-window' });
    this.spacer = h('div', { class: 'virtual-spacer' }, this.window);
    this.element = h('div', { class: `virtual ${o.className}`, tabindex: '0', role: 'region', 'aria-label': o.ariaLabel, 'data-testid': o.testId }, this.spacer);
    this.element.dataset['rows'] = String(o.rowCount);
    this.element.addEventListener('scroll', () => this.schedule());
    this.draw(0, INITIAL_ROWS);
  }

  /** Call once the element is in the document: measures a row and sizes the scroll area. */
  attached(): void {
    const probe = this.window.firstElementChild;
    this.rowHeight = (probe instanceof HTMLElement ? probe.getBoundingClientRect().height : 0) || 18;
    this.spacer.style.height = `${this.o.rowCount * this.rowHeight}px`;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.rowHeight) return;
      const first = Math.max(0, Math.floor(this.element.scrollTop / this.rowHeight) - OVERSCAN);
      const count = Math.ceil(this.element.clientHeight / this.rowHeight) + 2 * OVERSCAN;
      this.draw(first, count);
    });
  }

  private draw(first: number, count: number): void {
    const from = Math.min(first, this.o.rowCount);
    const to = Math.min(this.o.rowCount, from + count);
    if (from === this.drawn.first && to - from === this.drawn.count) return;
    this.drawn = { first: from, count: to - from };
    const rows: HTMLElement[] = [];
    for (let i = from; i < to; i++) rows.push(this.o.renderRow(i));
    this.window.replaceChildren(...rows);
    if (this.rowHeight) this.window.style.transform = `translateY(${from * this.rowHeight}px)`;
  }
}
