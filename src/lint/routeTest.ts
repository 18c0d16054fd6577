// `iot-hub-msg route-test`: where each device-to-cloud message of some message files would go
// under a routes file, as the local hub (and IoT Hub) would route it; with --explain (or --route),
// which part of each condition decided and with which values. For CI: a routes file with errors,
// or a message file that cannot be read, exits 1; --expect-routed makes a message that no route
// takes (fallback or dropped) exit 1 too.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs as parseNodeArgs } from 'node:util';
import { errorText } from '../core/errorText';
import { routingMessageFromIotMessage } from '../core/routing/message';
import { formatRouteReport, testMessage } from '../core/routing/report';
import { formatJsonPath, parseRoutesFileText } from '../core/routing/routesFile';
import { RouteTable } from '../core/routing/routeTable';
import { parseMessageFile } from '../language/rules/messageFile';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, resolveFiles, type LintIo } from './run';

export const ROUTE_TEST_USAGE = `Usage: iot-hub-msg route-test --routes <routes file> [options] <message files or globs...>

Shows where each device-to-cloud message of the message files (*.iotmsg.json) goes under
a routes file (*.iotroutes.json, or a local hub's routes.json): the routes it matches, their
endpoints, and whether the fallback route takes it or it is dropped.

Options:
  --routes <file>       The routes file (required).
  --route <name>        Explain this route's condition for every message.
  --explain             Explain every route's condition for every message.
  --format <text|json>  Output format (default: text).
  --expect-routed       Exit 1 when a message matches no route.
  -h, --help            Show this help.

Exit codes: 0 done, 1 the routes file or a message file has errors (or --expect-routed
failed), 2 bad usage.
`;

interface MessageResult {
  file: string;
  messageIndex: number;
  title: string;
  matched: string[];
  endpoints: string[];
  fallback: boolean;
  dropped: boolean;
  routes: Array<{ name: string; matched: boolean; skipped?: string; summary?: string; twinUnavailable?: boolean }>;
  report?: string;
}

export function runRouteTest(argv: readonly string[], io: LintIo): number {
  let values: { routes?: string | undefined; route?: string | undefined; explain?: boolean | undefined; format?: string | undefined; 'expect-routed'?: boolean | undefined; help?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseNodeArgs({
      args: [...argv],
      options: { routes: { type: 'string' }, route: { type: 'string' }, explain: { type: 'boolean' }, format: { type: 'string' }, 'expect-routed': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.stderr(`iot-hub-msg route-test: ${errorText(e)}\n\n${ROUTE_TEST_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) { io.stdout(ROUTE_TEST_USAGE); return EXIT_OK; }
  const usage = (message: string): number => { io.stderr(`iot-hub-msg route-test: ${message}\n\n${ROUTE_TEST_USAGE}`); return EXIT_USAGE; };
  if (values.routes === undefined || values.routes === '') return usage('--routes <file> is required.');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`--format must be text or json, not "${format}".`);
  if (positionals.length === 0) return usage('No message files given: pass message files or globs, e.g. "**/*.iotmsg.json".');

  let routesText: string;
  try {
    routesText = readFileSync(resolve(io.cwd, values.routes), 'utf8');
  } catch (e) {
    io.stderr(`iot-hub-msg route-test: cannot read the routes file ${values.routes}: ${errorText(e)}\n`);
    return EXIT_PROBLEMS;
  }
  const validation = parseRoutesFileText(routesText);
  for (const p of validation.problems) io.stderr(`${values.routes}: ${p.severity} ${formatJsonPath(p.path)}: ${p.message}\n`);
  if (validation.file === undefined) {
    io.stderr('iot-hub-msg route-test: the routes file has errors; no message was tested.\n');
    return EXIT_PROBLEMS;
  }
  const table = RouteTable.compile(validation.file);
  if (values.route !== undefined && !table.routes.some((r) => r.def.name === values.route)) {
    return usage(`There is no route "${values.route}" in ${values.routes} (routes: ${table.routes.map((r) => r.def.name).join(', ') || 'none'}).`);
  }
  const resolved = resolveFiles(positionals, io.cwd);
  if ('unmatched' in resolved) { io.stderr(`iot-hub-msg route-test: no files match "${resolved.unmatched}".\n`); return EXIT_USAGE; }

  let exit = EXIT_OK;
  const results: MessageResult[] = [];
  const now = (io.now ?? new Date()).toISOString();
  for (const abs of resolved.files) {
    const shown = abs.startsWith(`${io.cwd}/`) ? abs.slice(io.cwd.length + 1) : abs;
    let text: string;
    try { text = readFileSync(abs, 'utf8'); } catch (e) {
      io.stderr(`${shown}: cannot read: ${errorText(e)}\n`);
      exit = EXIT_PROBLEMS;
      continue;
    }
    const file = parseMessageFile(text);
    const broken = file.fileDiagnostics.find((d) => d.severity === 'error' && (d.rule === 'json-syntax' || d.rule === 'not-a-message'));
    if (broken !== undefined) {
      io.stderr(`${shown}: ${broken.message}\n`);
      exit = EXIT_PROBLEMS;
      continue;
    }
    for (const m of file.messages) {
      if (m.direction === 'c2d') continue; // C2D messages are not routed
      const message = routingMessageFromIotMessage(m.message, { enqueuedTime: now, messageSource: 'Telemetry' });
      const t = testMessage(table, message);
      const r: MessageResult = {
        file: shown, messageIndex: m.index, title: t.title,
        matched: t.decision.matched.map((x) => x.def.name), endpoints: [...t.decision.endpoints], fallback: t.decision.fallback, dropped: t.decision.dropped,
        routes: t.explanations.map((e) => ({
          name: e.route.name, matched: e.matched,
          ...(e.skipped === undefined ? {} : { skipped: e.skipped }),
          ...(e.explanation === undefined ? {} : { summary: e.explanation.summary, twinUnavailable: e.explanation.twinUnavailable }),
        })),
      };
      if (values.explain === true || values.route !== undefined) {
        r.report = formatRouteReport(table, message, { messageLabel: `message ${m.index + 1} of ${shown}`, ...(values.route === undefined ? {} : { routeName: values.route }) });
      }
      if (values['expect-routed'] === true && r.matched.length === 0) exit = EXIT_PROBLEMS;
      results.push(r);
    }
  }
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ routes: values.routes, messages: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      io.stdout(`${r.file} message ${r.messageIndex + 1}: ${r.title}\n`);
      if (r.report !== undefined) io.stdout(`\n${r.report}\n`);
    }
    const unrouted = results.filter((r) => r.matched.length === 0).length;
    io.stdout(`${results.length} message${results.length === 1 ? '' : 's'} tested, ${results.length - unrouted} matched a route, ${unrouted} did not.\n`);
  }
  return exit;
}
