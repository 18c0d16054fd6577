// Parses the addresses and CBS audiences an Event Hubs client uses. Event Hubs treats entity paths
// case-insensitively (the SDK sends `$default` for the `$Default` consumer group), so do we.
import { AmqpCondition, EndpointError } from './amqpErrors';

export interface PartitionAddress {
  /** The Event Hub's name as configured. */
  entity: string;
  consumerGroup: string;
  partition: number;
  /** Canonical lower-case path `{entity}/consumergroups/{group}/partitions/{n}`, used for claims and owner levels. */
  path: string;
}

/**
 * The path part of an address or audience: `sb://host:port/hub/x` -> `hub/x`, `hub/x` -> `hub/x`,
 * lower-cased, without leading/trailing slashes. The host is ignored on purpose: the same local hub
 * is reached as localhost, 127.0.0.1 or ::1, and a token signed for any of them is the user's.
 */
export function entityPath(addressOrAudience: string): string {
  let s = addressOrAudience.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(s);
  if (scheme) s = s.slice(scheme[0].length);
  return s.replace(/^\/+|\/+$/g, '').toLowerCase();
}

/** True when a claim for `claimPath` covers `resourcePath` (same path, or a parent at a segment boundary). */
export function pathCovers(claimPath: string, resourcePath: string): boolean {
  if (claimPath === '') return true;
  return resourcePath === claimPath || resourcePath.startsWith(`${claimPath}/`);
}

/**
 * `{hub}/ConsumerGroups/{group}/Partitions/{n}` of the one Event Hub `hubName`; throws
 * EndpointError(not-found) for anything else, with a description that says what was expected.
 */
export function parsePartitionAddress(address: string | undefined, hubName: string, partitionCount: number): PartitionAddress {
  return parseEntityPartitionAddress(address, (name) => (name === hubName.toLowerCase() ? { name: hubName, partitionCount } : undefined), [hubName]);
}

/**
 * `{entity}/ConsumerGroups/{group}/Partitions/{n}` of any Event Hub `lookup` knows (given the
 * lower-cased name); `known` names them in the not-found description.
 */
export function parseEntityPartitionAddress(
  address: string | undefined,
  lookup: (lowerCaseName: string) => { name: string; partitionCount: number } | undefined,
  known: readonly string[],
): PartitionAddress {
  const raw = address ?? '';
  const parts = entityPath(raw).split('/');
  const entity = parts.length === 5 ? lookup(parts[0]!) : undefined;
  // With one Event Hub (no routing endpoints) the expected address can be spelled out in full.
  const only = known.length === 1 ? lookup(known[0]!.toLowerCase()) : undefined;
  const expected = only !== undefined
    ? `expected "${only.name}/ConsumerGroups/<consumer group>/Partitions/<0..${only.partitionCount - 1}>"`
    : `expected "<Event Hub>/ConsumerGroups/<consumer group>/Partitions/<n>"`;
  if (parts.length !== 5 || parts[1] !== 'consumergroups' || parts[3] !== 'partitions') {
    throw new EndpointError(AmqpCondition.notFound, `The messaging entity "${raw}" could not be found: ${expected}.`);
  }
  if (entity === undefined) {
    throw new EndpointError(AmqpCondition.notFound,
      `The messaging entity "${raw}" could not be found: this endpoint serves the Event Hub${known.length > 1 ? 's' : ''} ${known.map((k) => `"${k}"`).join(', ')} (${expected}).`);
  }
  const partitionCount = entity.partitionCount;
  const partText = parts[4]!;
  const partition = /^\d{1,3}$/.test(partText) ? Number(partText) : NaN;
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
    const owner = only !== undefined ? 'the hub' : `the Event Hub "${entity.name}"`;
    throw new EndpointError(AmqpCondition.notFound,
      `The messaging entity "${raw}" could not be found: partition "${partText}" does not exist (${owner} has partitions 0..${partitionCount - 1}).`);
  }
  const consumerGroup = decodeSegment(parts[2]!);
  const lower = entity.name.toLowerCase();
  return { entity: entity.name, consumerGroup, partition, path: `${lower}/consumergroups/${consumerGroup.toLowerCase()}/partitions/${partition}` };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
