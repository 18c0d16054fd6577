// The start-filter parser against the exact strings @azure/event-hubs 6.x builds
// (its own getEventPositionFilter is called here, so a change in the SDK shows up as a failure).
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AmqpCondition, EndpointError } from '../../../src/hub/eventhubs/amqpErrors';
import { parseSelectorFilter, selectorFromSourceFilter } from '../../../src/hub/eventhubs/selectorFilter';
import { entityPath, parsePartitionAddress, pathCovers } from '../../../src/hub/eventhubs/entityAddress';

type FilterFn = (p: Record<string, unknown>) => string;
const require_ = createRequire(import.meta.url);
// eventPosition is internal to the SDK; load its CommonJS build by path.
const sdkDir = dirname(require_.resolve('@azure/event-hubs/package.json'));
const { getEventPositionFilter } = require_(join(sdkDir, 'dist/commonjs/eventPosition.js')) as { getEventPositionFilter: FilterFn };

void describe('selector filter', () => {
  void test('every form the SDK sends', () => {
    assert.equal(parseSelectorFilter(getEventPositionFilter({ offset: '-1' })), 'earliest');
    assert.equal(parseSelectorFilter(getEventPositionFilter({ offset: '@latest' })), 'latest');
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ offset: '1234' })), { offset: '1234', inclusive: false });
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ offset: '1234', isInclusive: true })), { offset: '1234', inclusive: true });
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ sequenceNumber: 5 })), { sequenceNumber: 5, inclusive: false });
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ sequenceNumber: 5, isInclusive: true })), { sequenceNumber: 5, inclusive: true });
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ sequenceNumber: -1 })), { sequenceNumber: 0, inclusive: true });
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ enqueuedOn: 1700000000000 })), { enqueuedTime: 1700000000000 });
    assert.deepEqual(parseSelectorFilter(getEventPositionFilter({ enqueuedOn: new Date(1700000000000) })), { enqueuedTime: 1700000000000 });
  });

  void test('forms other clients send: unquoted, =, >=, case', () => {
    assert.deepEqual(parseSelectorFilter('amqp.annotation.x-opt-sequence-number > 5'), { sequenceNumber: 5, inclusive: false });
    assert.deepEqual(parseSelectorFilter('AMQP.ANNOTATION.X-OPT-OFFSET >= 0'), { offset: '0', inclusive: true });
    assert.deepEqual(parseSelectorFilter("amqp.annotation.x-opt-offset = '10'"), { offset: '10', inclusive: true });
    assert.deepEqual(parseSelectorFilter('amqp.annotation.x-opt-enqueued-time >= 1000'), { enqueuedTime: 999 });
    assert.deepEqual(parseSelectorFilter("amqp.annotation.x-opt-enqueued-time > '2023-11-14T22:13:20.000Z'"), { enqueuedTime: 1700000000000 });
  });

  void test('malformed filters are argument errors with a description', () => {
    for (const bad of ['', 'true', 'amqp.annotation.x-opt-offset', 'amqp.annotation.x-opt-offset < 5', "amqp.annotation.x-opt-offset > 'abc'",
      "amqp.annotation.x-opt-sequence-number > '-2'", "amqp.annotation.x-opt-sequence-number > '1.5'", "amqp.annotation.x-opt-enqueued-time > 'soon'",
      "amqp.annotation.x-opt-offset > '1' OR 1=1", 'x'.repeat(10_000)]) {
      assert.throws(() => parseSelectorFilter(bad), (e: unknown) => {
        assert.ok(e instanceof EndpointError);
        assert.equal(e.condition, AmqpCondition.argumentError);
        assert.ok(e.message.length < 400, 'descriptions stay short');
        return true;
      }, bad.slice(0, 40));
    }
  });

  void test('the filter value inside a source: plain, described, absent, wrong type', () => {
    assert.equal(selectorFromSourceFilter({ 'apache.org:selector-filter:string': 'a' }), 'a');
    assert.equal(selectorFromSourceFilter({ 'apache.org:selector-filter:string': { descriptor: 0x468c00000004, value: 'b' } }), 'b');
    assert.equal(selectorFromSourceFilter(undefined), undefined);
    assert.equal(selectorFromSourceFilter({ 'com.microsoft:session-filter': 'x' }), undefined);
    assert.throws(() => selectorFromSourceFilter({ 'apache.org:selector-filter:string': 42 }), EndpointError);
  });
});

void describe('entity addresses', () => {
  void test('partition addresses, case-insensitive, with clear refusals', () => {
    assert.deepEqual(parsePartitionAddress('Hub/ConsumerGroups/$Default/Partitions/3', 'hub', 4),
      { entity: 'hub', consumerGroup: '$default', partition: 3, path: 'hub/consumergroups/$default/partitions/3' });
    assert.equal(parsePartitionAddress('amqp://localhost:5672/hub/consumergroups/CG/partitions/0', 'HUB', 1).path, 'hub/consumergroups/cg/partitions/0');
    for (const bad of ['hub/ConsumerGroups/$Default/Partitions/4', 'hub/ConsumerGroups/$Default/Partitions/-1', 'hub/ConsumerGroups/$Default/Partitions/01x',
      'hub/ConsumerGroups/$Default', 'other/ConsumerGroups/$Default/Partitions/0', '', 'hub/Partitions/0']) {
      assert.throws(() => parsePartitionAddress(bad, 'hub', 4), (e: unknown) => e instanceof EndpointError && e.condition === AmqpCondition.notFound, bad);
    }
  });

  void test('audience paths and coverage', () => {
    assert.equal(entityPath('sb://localhost:5672/Hub/$management'), 'hub/$management');
    assert.equal(entityPath('sb://localhost:5672/'), '');
    assert.ok(pathCovers('hub', 'hub/consumergroups/$default/partitions/0'));
    assert.ok(pathCovers('', 'hub'));
    assert.ok(!pathCovers('hub', 'hub2/x'));
    assert.ok(!pathCovers('hub/consumergroups/a', 'hub/consumergroups/ab/partitions/0'));
  });
});
