// The Event Hubs the Event Hubs-compatible endpoint serves: the built-in one (named after the hub,
// holding device telemetry) and, with message routing, one per Event Hubs-style custom endpoint,
// each its own D2C log with its own partitions and consumer groups. Names are matched ignoring
// case, as Event Hubs matches entity paths.
import type { ConsumerGroups, D2cLog } from '../contracts';

export interface EventHubEntity {
  /** The Event Hub name clients use (their connection string's EntityPath). */
  readonly name: string;
  readonly d2c: D2cLog;
  /** Consumer groups that exist, `$Default` first. */
  consumerGroups(): string[];
  readonly createdAt: number;
  /** The routing endpoint's name; undefined for the built-in Event Hub. */
  readonly endpointName?: string;
}

export interface EventHubEntities {
  get(name: string): EventHubEntity | undefined;
  list(): EventHubEntity[];
  /** Called after entities were added or removed. Returns an unsubscribe function. */
  onChanged(listener: () => void): () => void;
}

/** Just the built-in Event Hub (a hub without routing, and the endpoint's own tests). */
export function singleEntity(name: string, d2c: D2cLog, consumerGroups: ConsumerGroups, createdAt: number): EventHubEntities {
  const entity: EventHubEntity = { name, d2c, consumerGroups: () => consumerGroups.list(), createdAt };
  return {
    get: (n) => (n.toLowerCase() === name.toLowerCase() ? entity : undefined),
    list: () => [entity],
    onChanged: () => () => undefined,
  };
}
