// Stands in for the `debug` package in the hub's bundle (scripts/build.mjs aliases it). mqtt-packet
// calls debug() several times for every MQTT packet it parses or writes; even disabled, each call
// builds a rest-arguments array and runs the `enabled` getter (~2 µs per D2C message, measured in
// a CPU profile of the hub under load). The hub logs through its own logger, so unless DEBUG is set
// when the hub starts, every debug logger is a no-op; with DEBUG set, the real package is used.
import realDebug from 'debug/src/index.js';
import { isFunction, requireShapes } from '../libraryCheck';

/** The debug version whose private entry point (src/index.js) is imported above; package.json pins it. */
export const DEBUG_VERSION = '4.4.3';

requireShapes('debug', DEBUG_VERSION, [
  ['src/index.js exporting createDebug(namespace) with enable()', isFunction(realDebug) && isFunction((realDebug as unknown as { enable?: unknown }).enable)],
]);

interface QuietDebugger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  extend(suffix: string, delimiter?: string): QuietDebugger;
}

function quiet(namespace: string): QuietDebugger {
  const d = (() => undefined) as unknown as QuietDebugger;
  d.enabled = false;
  d.namespace = namespace;
  d.extend = (suffix, delimiter = ':') => quiet(`${namespace}${delimiter}${suffix}`);
  return d;
}

const wanted = (process.env['DEBUG'] ?? '') !== '';

const createDebug: unknown = wanted
  ? realDebug
  : Object.assign(quiet, { enable() {}, disable: () => '', enabled: () => false, names: [], skips: [], formatters: {} });

export default createDebug;
