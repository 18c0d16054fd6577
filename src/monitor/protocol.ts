// The Message Monitor webview's one protocol, imported by both the host (src/vscode/monitor) and
// the webview (webview/monitor): everything that crosses postMessage is declared here. The host
// checks every message from the webview with `isMonitorWebviewToHost` before acting on it.
import { bytesToBase64 } from '../inspector/wire';
import { messageSize, type MonitoredMessage } from './monitoredMessage';

/** A MonitoredMessage in a postMessage/JSON-safe shape (the body as base64). */
export interface WireMonitored extends Omit<MonitoredMessage, 'body'> {
  bodyBase64: string;
  /** Body plus application properties, as IoT Hub counts them. */
  size: number;
  /** When the monitor received it (ms since the epoch; host clock). */
  receivedAt: number;
}

export interface MonitorStatusView {
  /** `running`, `waiting`, `starting`, `stopped`. */
  state: string;
  detail?: string;
  received: number;
  /** Messages per second over the last seconds. */
  rate: number;
  /** File being recorded to, if any. */
  recording?: string;
}

export type MonitorHostToWebview =
  | { type: 'init'; title: string; capacity: number; messages: WireMonitored[]; status: MonitorStatusView }
  | { type: 'messages'; messages: WireMonitored[] }
  | { type: 'status'; status: MonitorStatusView };

export type MonitorAction = 'openInInspector' | 'saveAsFile' | 'copyJson';

export type MonitorWebviewToHost =
  | { type: 'ready' }
  | { type: 'action'; action: MonitorAction; message: WireMonitored }
  /** Compare `message` with `previous` (the same device's message before it). */
  | { type: 'diff'; message: WireMonitored; previous: WireMonitored }
  | { type: 'export'; format: 'ndjson' | 'csv'; messages: WireMonitored[] }
  | { type: 'record'; on: boolean }
  | { type: 'stop' };

export function toWireMonitored(m: MonitoredMessage, receivedAt: number): WireMonitored {
  const w: WireMonitored = {
    seq: m.seq,
    deviceId: m.deviceId,
    partitionId: m.partitionId,
    sequenceNumber: m.sequenceNumber,
    offset: m.offset,
    enqueuedTimeUtc: m.enqueuedTimeUtc,
    systemProperties: m.systemProperties,
    otherProperties: m.otherProperties,
    applicationProperties: m.applicationProperties,
    bodyBase64: bytesToBase64(m.body),
    size: messageSize(m),
    receivedAt,
  };
  if (m.moduleId !== undefined) w.moduleId = m.moduleId;
  return w;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isWireMonitored(x: unknown): x is WireMonitored {
  return isRecord(x) && typeof x['seq'] === 'number' && typeof x['deviceId'] === 'string' && typeof x['partitionId'] === 'string'
    && isRecord(x['systemProperties']) && isRecord(x['otherProperties']) && Array.isArray(x['applicationProperties'])
    && (x['applicationProperties'] as unknown[]).every((p) => isRecord(p) && typeof p['name'] === 'string' && typeof p['value'] === 'string')
    && typeof x['bodyBase64'] === 'string' && typeof x['enqueuedTimeUtc'] === 'string';
}

export function isMonitorWebviewToHost(x: unknown): x is MonitorWebviewToHost {
  if (!isRecord(x)) return false;
  switch (x['type']) {
    case 'ready':
    case 'stop': return true;
    case 'action': return (x['action'] === 'openInInspector' || x['action'] === 'saveAsFile' || x['action'] === 'copyJson') && isWireMonitored(x['message']);
    case 'diff': return isWireMonitored(x['message']) && isWireMonitored(x['previous']);
    case 'export': return (x['format'] === 'ndjson' || x['format'] === 'csv') && Array.isArray(x['messages']) && (x['messages'] as unknown[]).every(isWireMonitored);
    case 'record': return typeof x['on'] === 'boolean';
    default: return false;
  }
}
