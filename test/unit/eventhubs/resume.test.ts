// A receiver that stops and resumes from its checkpoint (sequence number or offset) misses nothing
// and gets nothing twice; and a client whose endpoint goes away and comes back continues where it was.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { EventHubConsumerClient, earliestEventPosition, type EventPosition, type ReceivedEventData } from '@azure/event-hubs';
import { startEventHubsEndpoint } from '../../../src/hub/eventhubs/endpoint';
import { startTestHub, waitFor, type TestHub } from './helpers';

const text = (e: ReceivedEventData): string => Buffer.from(e.body as Uint8Array).toString('utf8');

/** Reads partition 0 from `start` until `stopAfter` events were processed, then closes; returns what it processed. */
async function readSome(client: EventHubConsumerClient, start: EventPosition, stopAfter: number): Promise<ReceivedEventData[]> {
  const got: ReceivedEventData[] = [];
  const sub = client.subscribe('0', {
    processEvents: async (events) => {
      if (got.length >= stopAfter) return; // a checkpointing app stops processing once told to stop
      got.push(...events);
    },
    processError: async () => undefined,
  }, { startPosition: start, maxBatchSize: 3, maxWaitTimeInSeconds: 1 });
  await waitFor(() => got.length >= stopAfter, 10_000, `${stopAfter} events`);
  await sub.close();
  return got;
}

void describe('Event Hubs endpoint: checkpoints and reconnects', () => {
  let hub: TestHub;
  let device = '';
  before(async () => {
    hub = await startTestHub({ hubName: 'resume-hub', partitionCount: 2 });
    for (let i = 0; !device; i++) if (hub.state.d2c.partitionFor(`rs-${i}`) === 0) device = `rs-${i}`;
    for (let i = 0; i < 20; i++) await hub.append(device, `e${i}`);
  });
  after(async () => {
    await hub.close();
  });

  for (const kind of ['sequenceNumber', 'offset'] as const) {
    void test(`stop, append more, resume from the ${kind} checkpoint: no gaps, no duplicates`, async () => {
      const client = hub.client();
      const first = await readSome(client, earliestEventPosition, 7);
      const checkpoint = first[first.length - 1]!;
      const before = (await hub.state.d2c.read(0, 0, 10_000)).length;
      for (let i = 0; i < 5; i++) await hub.append(device, `${kind}-more-${i}`);
      const total = before + 5;
      const resumeFrom: EventPosition = kind === 'sequenceNumber'
        ? { sequenceNumber: checkpoint.sequenceNumber, isInclusive: false }
        : { offset: checkpoint.offset, isInclusive: false };
      const rest = await readSome(client, resumeFrom, total - first.length);
      const seqs = [...first, ...rest].map((e) => e.sequenceNumber);
      assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i));
      assert.equal(text(rest[rest.length - 1]!), `${kind}-more-4`);
    });
  }

  void test('the endpoint goes away and comes back on the same port: the SDK resumes with nothing missed', async () => {
    const port = hub.endpoint.port;
    const client = new EventHubConsumerClient('$Default', hub.connectionString(), { retryOptions: { maxRetries: 20, retryDelayInMs: 200, maxRetryDelayInMs: 500, timeoutInMs: 5000 } });
    const got: ReceivedEventData[] = [];
    const sub = client.subscribe('0', {
      processEvents: async (events) => {
        got.push(...events);
      },
      processError: async () => undefined,
    }, { startPosition: earliestEventPosition, maxBatchSize: 5, maxWaitTimeInSeconds: 1 });
    let restarted: Awaited<ReturnType<typeof startEventHubsEndpoint>> | undefined;
    try {
      const existing = (await hub.state.d2c.read(0, 0, 10_000)).length;
      await waitFor(() => got.length >= existing, 10_000, 'the backlog');
      await hub.endpoint.close();
      for (let i = 0; i < 6; i++) await hub.append(device, `while-down-${i}`);
      restarted = await startEventHubsEndpoint({
        host: '127.0.0.1', port, hubName: hub.hubName, d2c: hub.state.d2c, policies: hub.state.policies,
        consumerGroups: hub.state.consumerGroups, log: hub.log,
      });
      await waitFor(() => got.length >= existing + 6, 30_000, 'events appended while the endpoint was down');
      // One more marks the end: an event delivered twice after the resume would come before it.
      await hub.append(device, 'after-resume');
      await waitFor(() => got.some((e) => text(e) === 'after-resume'), 30_000, 'the event appended after the resume');
      assert.deepEqual(got.map((e) => e.sequenceNumber), Array.from({ length: existing + 7 }, (_, i) => i));
    } finally {
      await sub.close();
      await client.close();
      await restarted?.close();
    }
  });
});
