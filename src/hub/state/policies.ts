// The hub's shared-access policies, created on first open like a new IoT Hub's defaults, each with
// fresh random 32-byte keys, and persisted so connection strings stay valid across restarts.
import type { AccessRight, SharedAccessPolicy } from '../contracts';
import { generateKey } from '../registry/deviceRegistry';
import type { SqliteStore } from './sqliteStore';

export const DEFAULT_POLICIES: readonly { keyName: string; rights: AccessRight[] }[] = [
  { keyName: 'iothubowner', rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'] },
  { keyName: 'service', rights: ['ServiceConnect'] },
  { keyName: 'device', rights: ['DeviceConnect'] },
  { keyName: 'registryRead', rights: ['RegistryRead'] },
  { keyName: 'registryReadWrite', rights: ['RegistryRead', 'RegistryWrite'] },
];

interface PolicyRow { key_name: string; primary_key: string; secondary_key: string; rights: string }

/** Loads the policies, creating the defaults (synchronously committed) on first open. */
export function loadOrCreatePolicies(store: SqliteStore): SharedAccessPolicy[] {
  const rows = store.db.all('SELECT * FROM policies ORDER BY rowid') as unknown as PolicyRow[];
  if (rows.length > 0) {
    return rows.map((r) => ({
      keyName: r.key_name,
      primaryKey: r.primary_key,
      secondaryKey: r.secondary_key,
      rights: JSON.parse(r.rights) as AccessRight[],
    }));
  }
  const policies = DEFAULT_POLICIES.map((p) => ({ keyName: p.keyName, primaryKey: generateKey(), secondaryKey: generateKey(), rights: [...p.rights] }));
  store.db.exec('BEGIN IMMEDIATE');
  try {
    for (const p of policies) {
      store.db.run('INSERT INTO policies (key_name, primary_key, secondary_key, rights) VALUES (?,?,?,?)', [p.keyName, p.primaryKey, p.secondaryKey, JSON.stringify(p.rights)]);
    }
    store.db.exec('COMMIT');
    store.syncBlocking();
  } catch (e) {
    store.db.exec('ROLLBACK');
    throw e;
  }
  return policies;
}
