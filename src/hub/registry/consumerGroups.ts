// Event Hubs consumer groups of the hub's D2C endpoint. `$Default` always exists and cannot be
// deleted; names follow Event Hubs' rules (1-50 characters: letters, digits, . _ -).
import type { Clock, ConsumerGroups } from '../contracts';
import { hubError } from '../state/hubErrors';
import type { SqliteStore } from '../state/sqliteStore';

export const DEFAULT_CONSUMER_GROUP = '$Default';
const NAME_RULE = /^[A-Za-z0-9._-]{1,50}$/;

export class SqliteConsumerGroups implements ConsumerGroups {
  private readonly names = new Set<string>([DEFAULT_CONSUMER_GROUP]);

  constructor(private readonly store: SqliteStore, private readonly clock: Clock) {
    for (const row of store.db.all('SELECT name FROM consumer_groups') as { name: string }[]) this.names.add(row.name);
  }

  list(): string[] {
    return [DEFAULT_CONSUMER_GROUP, ...[...this.names].filter((n) => n !== DEFAULT_CONSUMER_GROUP).sort()];
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  async create(name: string): Promise<void> {
    if (typeof name !== 'string' || !NAME_RULE.test(name)) {
      throw hubError('ArgumentInvalid', `Consumer group name "${String(name)}" is invalid: use 1 to 50 letters, digits, periods, underscores or hyphens.`);
    }
    if (this.names.has(name)) throw hubError('ConsumerGroupAlreadyExists', `Consumer group "${name}" already exists.`);
    this.names.add(name);
    const created = new Date(this.clock.now()).toISOString();
    try {
      await this.store.write((db) => {
        db.run('INSERT INTO consumer_groups (name, created_time) VALUES (?, ?)', [name, created]);
      });
    } catch (e) {
      this.names.delete(name);
      throw e;
    }
  }

  async delete(name: string): Promise<void> {
    if (name === DEFAULT_CONSUMER_GROUP) throw hubError('ArgumentInvalid', 'The $Default consumer group cannot be deleted.');
    if (!this.names.has(name)) throw hubError('ConsumerGroupNotFound', `Consumer group "${name}" does not exist.`);
    this.names.delete(name);
    await this.store.write((db) => {
      db.run('DELETE FROM consumer_groups WHERE name = ?', [name]);
    });
  }
}
