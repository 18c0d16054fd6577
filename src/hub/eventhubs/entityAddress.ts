// Parses the addresses and CBS audiences an Event Hubs client uses. Event Hubs treats entity paths
// case-insensitively (the SDK sends `$default` for the `$Default` consumer group), so do we.
import { AmqpCondition, EndpointError } from './amqpErrors';

export interface PartitionAddress {
  consumerGroup: string;
  partition: number;
  /** Canonical lower-case path `{hub}/consumergroups/{group}/partitions/{n}`, used for claims and owner levels. */
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
 * `{hub}/ConsumerGroups/{group}/Partitions/{n}`; throws EndpointError(not-found) for anything else,
 * with a description that says what was expected.
 */
export function parsePartitionAddress(address: string | undefined, hubName: string, partitionCount: number): PartitionAddress {
  const raw = address ?? '';
  const parts = entityPath(raw).split('/');
  const hub = hubName.toLowerCase();
  const expected = `expected "${hubName}/ConsumerGroups/<consumer group>/Partitions/<0..${partitionCount - 1}>"`;
  if (parts.length !== 5 || parts[1] !== 'consumergroups' || parts[3] !== 'partitions') {
    throw new EndpointError(AmqpCondition.notFound, `The messaging entity "${raw}" could not be found: ${expected}.`);
  }
  if (parts[0] !== hub) {
    throw new EndpointError(AmqpCondition.notFound,
      `The messaging entity "${raw}" could not be found: this endpoint serves the Event Hub "${hubName}" (${expected}).`);
  }
  const partText = parts[4]!;
  const partition = /^\d{1,3}$/.test(partText) ? Number(partText) : NaN;
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
    throw new EndpointError(AmqpCondition.notFound,
      `The messaging entity "${raw}" could not be found: partition "${partText}" does not exist (the hub has partitions 0..${partitionCount - 1}).`);
  }
  const consumerGroup = decodeSegment(parts[2]!);
  return { consumerGroup, partition, path: `${hub}/consumergroups/${consumerGroup.toLowerCase()}/partitions/${partition}` };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
