// Consumer groups read independently; an unknown consumer group is a clear error for the client.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { earliestEventPosition, type ReceivedEventData } from '@azure/event-hubs';
import { collect, startTestHub, waitFor, type TestHub } from './helpers';

const text = (e: ReceivedEventData): string => Buffer.from(e.body as Uint8Array).toString('utf8');

void describe('Event Hubs endpoint: consumer groups', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ hubName: 'cg-hub', partitionCount: 2 });
    await hub.state.consumerGroups.create('analytics');
    for (let i = 0; i < 10; i++) await hub.append(`cg-dev-${i}`, `m${i}`);
  });
  after(async () => {
    await hub.close();
  });

  void test('two consumer groups at once each read every event, then each new one', async () => {
    const a = hub.client('$Default');
    const b = hub.client('ANALYTICS'); // consumer group names are case-insensitive, as in Event Hubs
    const [ra, rb] = await Promise.all([
      collect((h, o) => a.subscribe(h, o), 12, { startPosition: earliestEventPosition }),
      collect((h, o) => b.subscribe(h, o), 12, { startPosition: earliestEventPosition }),
      (async () => {
        // Appended while both groups are reading.
        await waitFor(() => hub.log.lines.filter((l) => l.message.includes("x-opt-offset > '-1'")).length >= 4, 10_000, 'four receivers');
        await hub.append('cg-dev-late-1', 'late1');
        await hub.append('cg-dev-late-2', 'late2');
      })(),
    ]);
    await ra.subscription.close();
    await rb.subscription.close();
    const expected = [...Array.from({ length: 10 }, (_, i) => `m${i}`), 'late1', 'late2'].sort();
    assert.deepEqual(ra.events.map(text).sort(), expected);
    assert.deepEqual(rb.events.map(text).sort(), expected);
    assert.ok(hub.log.lines.some((l) => l.message.includes('cg-hub/consumergroups/analytics/partitions/')));
  });

  void test('a consumer group that does not exist: processError gets a not-found error naming it', async () => {
    const client = hub.client('nope');
    const errors: Error[] = [];
    const sub = client.subscribe('0', {
      processEvents: async () => undefined,
      processError: async (err) => {
        errors.push(err);
      },
    }, { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1 });
    try {
      await waitFor(() => errors.length > 0, 10_000, 'an error');
    } finally {
      await sub.close();
    }
    const err = errors[0] as Error & { code?: string };
    // amqp:not-found with "could not be found" is what @azure/event-hubs calls MessagingEntityNotFoundError.
    assert.equal(err.code, 'MessagingEntityNotFoundError');
    assert.match(err.message, /consumer group "nope" does not exist \(existing: \$Default, analytics\)/);
    // The endpoint still serves the other groups.
    assert.deepEqual(await hub.client('analytics').getPartitionIds(), ['0', '1']);
  });
});
