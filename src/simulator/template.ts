// Message templates for the device simulator: a body and property values with placeholders,
// `{{counter}}` (1, 2, ... per device), `{{random(20,30)}}` (a number in the range; decimals when
// either bound has them), `{{time}}` (ISO 8601 UTC), `{{deviceId}}` and `{{uuid}}`. A template is
// compiled once: an unknown or malformed placeholder is refused naming where it is (body or which
// property, and the offset), before any device connects. No vscode import.
import { randomUUID } from 'node:crypto';
import type { ApplicationProperty, IotMessage, SystemProperties } from '../core/message/model';

export interface TemplateContext {
  counter: number;
  deviceId: string;
  now: Date;
  random?: () => number;
}

type Part = string | ((c: TemplateContext) => string);
type Compiled = (c: TemplateContext) => string;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function compileText(text: string, where: string): Compiled {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const at = m.index;
    parts.push(text.slice(last, at));
    last = at + m[0].length;
    const name = m[1] ?? '';
    const random = /^random\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)$/.exec(name);
    if (name === 'counter') parts.push((c) => String(c.counter));
    else if (name === 'time') parts.push((c) => c.now.toISOString());
    else if (name === 'deviceId') parts.push((c) => c.deviceId);
    else if (name === 'uuid') parts.push(() => randomUUID());
    else if (random) {
      const lo = Number(random[1]);
      const hi = Number(random[2]);
      if (!(lo <= hi)) throw new TemplateError(`${where}, offset ${at}: random(${random[1]},${random[2]}) needs the lower bound first.`);
      const decimals = Math.max(random[1]!.split('.')[1]?.length ?? 0, random[2]!.split('.')[1]?.length ?? 0);
      parts.push((c) => {
        const r = lo + (c.random ?? Math.random)() * (hi - lo);
        return decimals === 0 ? String(Math.round(r)) : r.toFixed(Math.max(decimals, 1));
      });
    } else {
      throw new TemplateError(`${where}, offset ${at}: unknown placeholder {{${name}}}. Known: {{counter}}, {{random(min,max)}}, {{time}}, {{deviceId}}, {{uuid}}.`);
    }
  }
  parts.push(text.slice(last));
  const rest = text.slice(last);
  if (/\{\{|\}\}/.test(rest.replace(PLACEHOLDER, ''))) {
    const at = last + rest.search(/\{\{|\}\}/);
    throw new TemplateError(`${where}, offset ${at}: an unclosed or stray '{{' / '}}'.`);
  }
  return (c) => parts.map((p) => (typeof p === 'string' ? p : p(c))).join('');
}

export interface MessageTemplate {
  /** Renders one message for a device (its counter starting at 1). */
  render(c: TemplateContext): IotMessage;
}

/** Compiles body, system property values and application property values; throws TemplateError. */
export function compileTemplate(t: { body: string; systemProperties?: SystemProperties; applicationProperties?: ApplicationProperty[] }): MessageTemplate {
  const body = compileText(t.body, 'body');
  const sys = Object.entries(t.systemProperties ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, compileText(String(v), `system property '${k}'`)] as const);
  const app = (t.applicationProperties ?? []).map((p) => ({ name: p.name, value: compileText(p.value, `application property '${p.name}'`) }));
  const encoder = new TextEncoder();
  return {
    render(c) {
      const systemProperties: SystemProperties = {};
      for (const [k, f] of sys) (systemProperties as Record<string, string>)[k] = f(c);
      return {
        direction: 'd2c',
        deviceId: c.deviceId,
        systemProperties,
        applicationProperties: app.map((p) => ({ name: p.name, value: p.value(c) })),
        body: encoder.encode(body(c)),
      };
    },
  };
}

export const DEFAULT_TEMPLATE_BODY = '{"temperature": {{random(20.0,30.0)}}, "humidity": {{random(40,60)}}, "counter": {{counter}}, "time": "{{time}}"}';

/** C2D-only or set by IoT Hub: not part of what a simulated device sends. */
const NOT_FROM_DEVICE: ReadonlySet<string> = new Set(['ack']);
/** A JSON string holding exactly one numeric placeholder: rendered as a number, without the quotes. */
const QUOTED_NUMBER_PLACEHOLDER = /"(\{\{\s*(?:counter|random\(\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*\))\s*\}\})"/g;

/**
 * A template from a message (e.g. one of a message file): its body and its system and
 * application property values may hold placeholders. In a JSON body a string that is exactly
 * `"{{counter}}"` or `"{{random(a,b)}}"` becomes a number (a message file's JSON body cannot
 * hold a bare placeholder). A body that is not UTF-8 text is refused. Throws TemplateError.
 */
export function templateFromMessage(message: { systemProperties: SystemProperties; applicationProperties: ApplicationProperty[]; body: Uint8Array }): MessageTemplate {
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(message.body);
  } catch {
    throw new TemplateError('body: not UTF-8 text, so it cannot hold placeholders (a binary body cannot be a template).');
  }
  if (/^\s*[{[]/.test(body)) body = body.replace(QUOTED_NUMBER_PLACEHOLDER, '$1');
  const systemProperties: SystemProperties = {};
  for (const [k, v] of Object.entries(message.systemProperties)) {
    if (v !== undefined && !NOT_FROM_DEVICE.has(k)) (systemProperties as Record<string, string>)[k] = v;
  }
  return compileTemplate({ body, systemProperties, applicationProperties: message.applicationProperties });
}
