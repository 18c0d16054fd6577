// Whether a D2C monitor on a hub's built-in endpoint (`events`) is starved by routing, said so a
// user understands why it shows less than the devices send. With routes and the fallback route
// on, only messages routed elsewhere are missing (the usual intent); with the fallback route off,
// messages no route matches are dropped too, which users of every existing tool have lost hours
// to. No vscode import: the start command shows the text, the tests check it here.
import { BUILT_IN_ENDPOINT } from '../core/routing/routesFile';
import type { HubRoutingView } from '../hubs/hubRouting';

/** Which endpoint a monitor reads: the built-in one when undefined or `events`. */
export function isBuiltInEndpoint(endpoint: string | undefined): boolean {
  return endpoint === undefined || endpoint.toLowerCase() === BUILT_IN_ENDPOINT;
}

export interface BuiltInEndpointWarning {
  /** One sentence or two for a notification. */
  message: string;
  /** Enabled telemetry routes that send to `events` (the only messages the monitor will see). */
  routesToBuiltIn: string[];
}

/**
 * A warning when enabled telemetry routes exist and the fallback route is off (unmatched messages
 * are dropped, routed ones go to their endpoints), else undefined.
 */
export function builtInEndpointWarning(hubLabel: string, view: Pick<HubRoutingView, 'routes' | 'fallbackEnabled'>): BuiltInEndpointWarning | undefined {
  if (view.fallbackEnabled) return undefined;
  const telemetry = view.routes.filter((r) => r.isEnabled && r.source === 'DeviceMessages');
  if (telemetry.length === 0) return undefined;
  const toBuiltIn = telemetry.filter((r) => r.endpointNames.some((e) => isBuiltInEndpoint(e)));
  const elsewhere = telemetry.filter((r) => !toBuiltIn.includes(r));
  const list = (routes: typeof telemetry, max = 3): string => {
    const shown = routes.slice(0, max).map((r) => `${r.name} → ${r.endpointNames.join(', ')}`).join('; ');
    return routes.length > max ? `${shown}; and ${routes.length - max} more` : shown;
  };
  const parts = [`${hubLabel}'s fallback route is off: telemetry that matches no route is dropped, not sent to the built-in endpoint this monitor reads.`];
  if (elsewhere.length > 0) parts.push(`Messages matched by ${elsewhere.length === 1 ? 'route' : 'routes'} ${list(elsewhere)} go only to ${elsewhere.length === 1 ? 'that endpoint' : 'those endpoints'}.`);
  parts.push(toBuiltIn.length > 0
    ? `This monitor sees only what ${toBuiltIn.length === 1 ? 'route' : 'routes'} ${toBuiltIn.map((r) => r.name).join(', ')} ${toBuiltIn.length === 1 ? 'sends' : 'send'} to ${BUILT_IN_ENDPOINT}.`
    : 'This monitor will see no telemetry.');
  return { message: parts.join(' '), routesToBuiltIn: toBuiltIn.map((r) => r.name) };
}
