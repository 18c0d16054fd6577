// `iot-hub-local consumer-group create|delete|list`.
import { withHub } from '../hubAccess';
import { requireId, UsageError, type Values } from '../options';
import { print } from '../output';

export async function cmdConsumerGroup(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  switch (sub) {
    case 'list': {
      const groups = await withHub(values, (c) => c.listConsumerGroups(), async (s) => s.consumerGroups.list());
      print(values.json === true ? JSON.stringify(groups) : groups.join('\n'));
      return 0;
    }
    case 'create': {
      const name = requireId(positionals, 2, 'consumer group name');
      await withHub(values, (c) => c.createConsumerGroup(name), (s) => s.consumerGroups.create(name));
      if (values.json !== true) print(`Created consumer group ${name}`);
      return 0;
    }
    case 'delete': {
      const name = requireId(positionals, 2, 'consumer group name');
      await withHub(values, (c) => c.deleteConsumerGroup(name), (s) => s.consumerGroups.delete(name));
      if (values.json !== true) print(`Deleted consumer group ${name}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing consumer-group subcommand (create, list, delete).' : `Unknown consumer-group subcommand "${sub}".`);
  }
}
