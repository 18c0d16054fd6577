// The live chart: one numeric JSON body field (e.g. `temperature`) per device over enqueued time,
// drawn on a <canvas> by this file (no library: nothing to load under the CSP, nothing inline, and
// the work is bounded: at most the ring's messages, redrawn at most 4 times a second). Colours
// come from the theme's chart colours.
import type { Row } from './store';
import { h } from '../inspector/dom';
import { timeOfDay } from './timeOfDay';

const COLOUR_VARS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow', '--vscode-charts-foreground'];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700', '#cccccc'];
const MAX_SERIES = 7;
const REDRAW_MS = 250;

export class Chart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly select: HTMLSelectElement;
  private readonly legend: HTMLElement;
  private readonly note: HTMLElement;
  private field: string | undefined;
  private readonly fields = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Points drawn last time, per device (tests read data-points). */
  drawnPoints = 0;

  constructor(private readonly rows: () => Row[]) {
    this.canvas = h('canvas', { class: 'chart-canvas', 'data-testid': 'chart-canvas', 'aria-label': 'Chart of a numeric body field per device', role: 'img' });
    this.select = h('select', { class: 'chart-field', 'aria-label': 'Field to chart', 'data-testid': 'chart-field' });
    this.select.addEventListener('change', () => {
      this.field = this.select.value || undefined;
      this.schedule();
    });
    this.legend = h('div', { class: 'chart-legend', 'data-testid': 'chart-legend' });
    this.note = h('span', { class: 'chart-note' }, 'No numeric JSON fields yet.');
    this.element = h('section', { class: 'chart', 'aria-label': 'Live chart' },
      h('div', { class: 'chart-head' }, h('label', {}, 'Chart ', this.select), this.note, this.legend), this.canvas);
    new ResizeObserver(() => this.schedule()).observe(this.canvas);
  }

  /** New rows arrived: learn their fields and redraw soon. */
  added(rows: readonly Row[]): void {
    let changed = false;
    for (const r of rows) {
      if (!r.numbers) continue;
      for (const k of Object.keys(r.numbers)) {
        if (this.fields.has(k)) continue;
        this.fields.add(k);
        this.select.append(h('option', { value: k }, k));
        changed = true;
      }
    }
    if (changed && this.field === undefined) {
      this.field = this.fields.has('temperature') ? 'temperature' : [...this.fields][0];
      if (this.field !== undefined) this.select.value = this.field;
    }
    this.schedule();
  }

  cleared(): void {
    this.schedule();
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      requestAnimationFrame(() => this.draw());
    }, REDRAW_MS);
  }

  private colours(): string[] {
    const style = getComputedStyle(document.body);
    return COLOUR_VARS.map((v, i) => style.getPropertyValue(v).trim() || FALLBACK[i]!);
  }

  private draw(): void {
    const field = this.field;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    if (width === 0 || height === 0) return;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const series = new Map<string, Array<[number, number]>>();
    let tMin = Infinity; let tMax = -Infinity; let vMin = Infinity; let vMax = -Infinity;
    if (field !== undefined) {
      for (const r of this.rows()) {
        const v = r.numbers?.[field];
        if (v === undefined) continue;
        const t = Date.parse(r.m.enqueuedTimeUtc);
        let s = series.get(r.m.deviceId);
        if (!s) {
          if (series.size >= MAX_SERIES) continue;
          s = [];
          series.set(r.m.deviceId, s);
        }
        s.push([t, v]);
        if (t < tMin) tMin = t;
        if (t > tMax) tMax = t;
        if (v < vMin) vMin = v;
        if (v > vMax) vMax = v;
      }
    }
    const points = [...series.values()].reduce((n, s) => n + s.length, 0);
    this.drawnPoints = points;
    this.canvas.dataset['points'] = String(points);
    this.canvas.dataset['series'] = String(series.size);
    this.note.textContent = field === undefined ? 'No numeric JSON fields yet.' : points === 0 ? `No values of ${field} in the shown messages.` : '';
    const fg = getComputedStyle(document.body).getPropertyValue('--vscode-descriptionForeground').trim() || '#999';
    const left = 48; const right = 8; const top = 8; const bottom = 20;
    ctx.strokeStyle = fg;
    ctx.fillStyle = fg;
    ctx.lineWidth = 1;
    ctx.font = '11px sans-serif';
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, height - bottom);
    ctx.lineTo(width - right, height - bottom);
    ctx.stroke();
    const colours = this.colours();
    this.legend.replaceChildren();
    if (points === 0) return;
    if (vMax === vMin) { vMax += 1; vMin -= 1; }
    if (tMax === tMin) { tMax += 1000; tMin -= 1000; }
    const x = (t: number): number => left + ((t - tMin) / (tMax - tMin)) * (width - left - right);
    const y = (v: number): number => height - bottom - ((v - vMin) / (vMax - vMin)) * (height - top - bottom);
    ctx.textAlign = 'right';
    ctx.fillText(formatValue(vMax), left - 4, top + 8);
    ctx.fillText(formatValue(vMin), left - 4, height - bottom);
    ctx.textAlign = 'left';
    ctx.fillText(timeOfDay(tMin), left, height - 6);
    ctx.textAlign = 'right';
    ctx.fillText(timeOfDay(tMax), width - right, height - 6);
    let i = 0;
    for (const [device, pts] of series) {
      const colour = colours[i % colours.length]!;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      pts.forEach(([t, v], j) => (j === 0 ? ctx.moveTo(x(t), y(v)) : ctx.lineTo(x(t), y(v))));
      ctx.stroke();
      if (pts.length === 1) {
        const [t, v] = pts[0]!;
        ctx.fillStyle = colour;
        ctx.fillRect(x(t) - 2, y(v) - 2, 4, 4);
      }
      const swatch = h('span', { class: `swatch swatch-${i % colours.length}` });
      this.legend.append(h('span', { class: 'legend-item' }, swatch, device));
      i++;
    }
  }
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(2);
}
