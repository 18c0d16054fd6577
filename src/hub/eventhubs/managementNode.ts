// The `$management` node: READ requests for `com.microsoft:eventhub` and `com.microsoft:partition`,
// answered the way Event Hubs answers them (values in the body map, status in application
// properties), because @azure/event-hubs `ManagementClient` reads `info.partition_ids`,
// `info.begin_sequence_number` ... from the response body and the status from `status-code`.
import { types, type Message } from 'rhea';
import { AmqpCondition } from './amqpErrors';
import type { EventHubEntities } from './eventHubEntities';

export interface ManagementContext {
  entities: EventHubEntities;
  /** True when the connection holds a claim for the Event Hub's `$management`, or `securityToken` is valid for it. */
  authorized(securityToken: unknown, eventHub: string): boolean;
}

interface Reply { statusCode: number; description: string; condition?: string; body?: Record<string, unknown> }

export function handleManagementRequest(request: Message, ctx: ManagementContext): Message {
  const reply = answer(request, ctx);
  const app: Record<string, unknown> = {
    'status-code': types.wrap_int(reply.statusCode),
    'status-description': reply.description,
  };
  if (reply.condition !== undefined) app['error-condition'] = types.wrap_symbol(reply.condition);
  const response: Message = { application_properties: app, body: reply.body ?? null };
  if (request.message_id !== undefined) response.correlation_id = request.message_id;
  if (request.reply_to !== undefined) response.to = request.reply_to;
  return response;
}

function answer(request: Message, ctx: ManagementContext): Reply {
  const props = (request.application_properties ?? {}) as Record<string, unknown>;
  const name = String(props['name'] ?? '');
  const entity = ctx.entities.get(name);
  // An unknown Event Hub is authorized as the first (built-in) one, so an authorized client learns it does not exist (404).
  if (!ctx.authorized(props['security_token'], entity?.name ?? ctx.entities.list()[0]!.name)) {
    return { statusCode: 401, condition: AmqpCondition.unauthorized, description: 'Unauthorized: put a SAS token for this Event Hub on $cbs, or send a valid security_token.' };
  }
  const operation = String(props['operation'] ?? '');
  if (operation !== 'READ') {
    return { statusCode: 400, condition: AmqpCondition.notImplemented, description: `Unsupported management operation "${operation}": only READ is available.` };
  }
  if (entity === undefined) {
    const known = ctx.entities.list().map((e) => `"${e.name}"`).join(', ');
    return { statusCode: 404, condition: AmqpCondition.notFound, description: `The Event Hub "${name}" does not exist on this endpoint (it serves ${known}).` };
  }
  const type = String(props['type'] ?? '');
  const partitionCount = entity.d2c.partitionCount;
  if (type === 'com.microsoft:eventhub') {
    return {
      statusCode: 200,
      description: 'OK',
      body: {
        name: entity.name,
        type: 'com.microsoft:eventhub',
        created_at: types.wrap_timestamp(entity.createdAt),
        partition_count: types.wrap_int(partitionCount),
        partition_ids: Array.from({ length: partitionCount }, (_, i) => String(i)),
      },
    };
  }
  if (type === 'com.microsoft:partition') {
    const text = String(props['partition'] ?? '');
    const partition = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(partition) || partition >= partitionCount) {
      return { statusCode: 400, condition: AmqpCondition.argumentOutOfRange, description: `Partition "${text}" does not exist (the Event Hub has partitions 0..${partitionCount - 1}).` };
    }
    const info = entity.d2c.partitionInfo(partition);
    return {
      statusCode: 200,
      description: 'OK',
      body: {
        name: entity.name,
        type: 'com.microsoft:partition',
        partition: String(partition),
        begin_sequence_number: types.wrap_long(info.beginningSequenceNumber),
        last_enqueued_sequence_number: types.wrap_long(info.lastEnqueuedSequenceNumber),
        last_enqueued_offset: info.lastEnqueuedOffset,
        last_enqueued_time_utc: types.wrap_timestamp(info.lastEnqueuedTime),
        is_partition_empty: info.isEmpty,
      },
    };
  }
  return { statusCode: 400, condition: AmqpCondition.argumentError, description: `Unsupported entity type "${type}": expected com.microsoft:eventhub or com.microsoft:partition.` };
}
