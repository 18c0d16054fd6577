// The inspector webview's one protocol, imported by both the host (src/vscode/inspector) and the
// webview (webview/inspector). Everything that crosses postMessage is declared here, so a change
// on one side that the other does not understand fails type checking instead of at run time.
import type { ApplicationProperty, Direction, SystemProperties } from '../core/message/model';

/** An IotMessage in a postMessage/JSON-safe shape (the body as base64). */
export interface WireMessage {
  direction?: Direction;
  deviceId?: string;
  moduleId?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  bodyBase64: string;
}

/** Where the inspected message came from; shown in the header and used to reuse panels. */
export type MessageSource =
  | { kind: 'c2dQueue'; hub?: string; deviceId: string; state?: string }
  | { kind: 'd2cMonitor'; hub?: string; partition?: string; enqueuedTimeUtc?: string }
  | { kind: 'file'; path: string; /** Position in a file holding an array of messages. */ messageIndex?: number }
  | { kind: 'paste' };

export type BodyViewKind = 'text' | 'json' | 'hex';

/** Everything needed to redraw a panel; also what the serializer restores after a reload. */
export interface InspectorState {
  version: 1;
  message: WireMessage;
  source: MessageSource;
  /** Which limits and character rules apply; starts as the message's own direction. */
  direction: Direction;
  /** The body view the user chose; undefined = pick from content type. */
  bodyView?: BodyViewKind;
  /** True once the user changed something, so the host can title the panel accordingly. */
  edited: boolean;
  /** The message as first opened, kept once edited so "Revert edits" still works after a reload. */
  original?: WireMessage;
  /**
   * Shown as it is, with no editing or sending: a message IoT Hub holds in a C2D queue (editing it
   * would change nothing in the queue). The host refuses `send` for such a panel.
   */
  readOnly?: boolean;
  /**
   * The panel is kept: a new message never replaces it (like a pinned editor tab). Unset = the
   * preview panel, which the next inspected message reuses. The host decides; the page keeps the
   * flag in the state it saves, so the serializer restores it.
   */
  kept?: boolean;
  /**
   * The host's revision of the load this state descends from (InspectorLoad.revision). The page
   * saves it, so a page rebuilt after being hidden can tell whether its HTML's load is newer than
   * the state it saved (the host replaced the message meanwhile).
   */
  revision?: number;
}

export interface SendCapabilities {
  d2c: boolean;
  c2d: boolean;
}

/** Requests from the webview; each gets exactly one response with the same id. */
export interface InspectorRequests {
  send: { params: { as: Direction; message: WireMessage }; result: { detail: string } };
  saveAsFile: { params: { message: WireMessage }; result: { path?: string } };
}
export type InspectorRequestMethod = keyof InspectorRequests;

export type RequestMessage = {
  [M in InspectorRequestMethod]: { type: 'request'; id: number; method: M; params: InspectorRequests[M]['params'] };
}[InspectorRequestMethod];

export type WebviewToHost =
  /**
   * Sent once the webview's script has attached its listener. `shown` is the revision of the
   * message the page already shows from the load inlined in its HTML (see InspectorLoad); the host
   * answers with `load` unless that is still its newest.
   */
  | { type: 'ready'; shown?: number }
  | RequestMessage
  /** The webview's current state after an edit or a view change (debounced). */
  | { type: 'stateChanged'; state: InspectorState }
  /** The page drew the load with this revision (the host and the tests know what it shows). */
  | { type: 'shown'; revision: number };

export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result: InspectorRequests[InspectorRequestMethod]['result'] }
  | { type: 'response'; id: number; ok: false; error: string };

/** One route's verdict for the inspected message. */
export interface RouteVerdictRow {
  name: string;
  endpoint: string;
  condition: string;
  verdict: 'matched' | 'no-match' | 'skipped';
  /** The deciding part with its values (`\`$body.temperature > 30\` was false; ...`), or why skipped. */
  detail: string;
}

/** The Routes section: where the message would go on the local hub, route by route. */
export type RoutesVerdict =
  | { kind: 'none'; reason: string }
  | { kind: 'error'; source: string; reason: string }
  | { kind: 'tested'; source: string; title: string; endpoints: string[]; fallback: boolean; dropped: boolean; routes: RouteVerdictRow[] };

/**
 * Everything the page needs to show a message. The host inlines the first one in the page's HTML
 * (a JSON data block: the first frame shows the message without waiting for a postMessage round
 * trip) and posts later ones as `load`.
 */
export interface InspectorLoad {
  state: InspectorState;
  send: SendCapabilities;
  sendUnavailableReason?: string;
  /** The host's count of state changes; the page echoes it in `ready` (absent from other senders). */
  revision?: number;
}

export type HostToWebview =
  | ({ type: 'load' } & InspectorLoad)
  /** After load, after each edit (the debounced stateChanged) and when the routes file changes. */
  | { type: 'routes'; verdict: RoutesVerdict }
  /** The panel became kept (Keep Inspector Open, or an edit): the page saves the flag for the serializer. */
  | { type: 'kept' }
  | ResponseMessage;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isWireMessage(x: unknown): x is WireMessage {
  return isRecord(x) && isRecord(x['systemProperties']) && Array.isArray(x['applicationProperties'])
    && typeof x['bodyBase64'] === 'string';
}

export function isInspectorState(x: unknown): x is InspectorState {
  return isRecord(x) && x['version'] === 1 && isWireMessage(x['message']) && isRecord(x['source'])
    && (x['direction'] === 'd2c' || x['direction'] === 'c2d')
    && (x['original'] === undefined || isWireMessage(x['original']))
    && (x['readOnly'] === undefined || typeof x['readOnly'] === 'boolean')
    && (x['kept'] === undefined || typeof x['kept'] === 'boolean')
    && (x['revision'] === undefined || typeof x['revision'] === 'number');
}

/** The host trusts nothing that arrives from the webview without checking its shape. */
export function isWebviewToHost(x: unknown): x is WebviewToHost {
  if (!isRecord(x)) return false;
  switch (x['type']) {
    case 'ready': return x['shown'] === undefined || typeof x['shown'] === 'number';
    case 'stateChanged': return isInspectorState(x['state']);
    case 'shown': return typeof x['revision'] === 'number';
    case 'request':
      return typeof x['id'] === 'number' && isRecord(x['params'])
        && (x['method'] === 'send' || x['method'] === 'saveAsFile') && isWireMessage(x['params']['message']);
    default: return false;
  }
}

/** The page checks the load inlined in its HTML as it checks one that is posted. */
export function isInspectorLoad(x: unknown): x is InspectorLoad {
  return isRecord(x) && isInspectorState(x['state']) && isRecord(x['send'])
    && (x['revision'] === undefined || typeof x['revision'] === 'number');
}

export function isHostToWebview(x: unknown): x is HostToWebview {
  if (!isRecord(x)) return false;
  if (x['type'] === 'load') return isInspectorLoad(x);
  if (x['type'] === 'routes') {
    const v = x['verdict'];
    return isRecord(v) && (v['kind'] === 'none' || v['kind'] === 'error' || (v['kind'] === 'tested' && Array.isArray(v['routes'])));
  }
  if (x['type'] === 'kept') return true;
  return x['type'] === 'response' && typeof x['id'] === 'number' && typeof x['ok'] === 'boolean';
}
