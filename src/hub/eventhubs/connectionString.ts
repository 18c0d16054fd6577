// The Event Hubs-compatible connection string for the local endpoint. `UseDevelopmentEmulator=true`
// makes @azure/event-hubs 6.x (core-amqp ConnectionContextBase) connect over plain TCP instead of
// TLS, to the port in `Endpoint` (5672 when none is given).
import type { SharedAccessPolicy } from '../contracts';

export function eventHubsConnectionString(o: { host: string; port: number; hubName: string; policy: SharedAccessPolicy }): string {
  return `Endpoint=sb://${o.host}:${o.port}/;SharedAccessKeyName=${o.policy.keyName};` +
    `SharedAccessKey=${o.policy.primaryKey};EntityPath=${o.hubName};UseDevelopmentEmulator=true`;
}

/** The policy a back end reads with: the named one, else `service`, else any with ServiceConnect. */
export function pickServicePolicy(policies: readonly SharedAccessPolicy[], policyName?: string): SharedAccessPolicy {
  if (policyName !== undefined) {
    const named = policies.find((p) => p.keyName === policyName);
    if (named === undefined) throw new Error(`No shared access policy named "${policyName}".`);
    if (!named.rights.includes('ServiceConnect')) throw new Error(`The policy "${policyName}" lacks ServiceConnect, which reading events needs.`);
    return named;
  }
  const chosen = policies.find((p) => p.keyName === 'service' && p.rights.includes('ServiceConnect'))
    ?? policies.find((p) => p.rights.includes('ServiceConnect'));
  if (chosen === undefined) throw new Error('No shared access policy has ServiceConnect, which reading events needs.');
  return chosen;
}
