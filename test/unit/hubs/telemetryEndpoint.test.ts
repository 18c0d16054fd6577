// The check of an Event Hubs-compatible connection string given for an Azure hub's telemetry:
// each wrong input gets a message that says what to fix and never repeats the key.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventHubsConnectionStringProblem } from '../../../src/hubs/azure/telemetryEndpoint';

const KEY = Buffer.alloc(32, 5).toString('base64');
const GOOD = `Endpoint=sb://ihsuprodam123res.servicebus.windows.net/;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY};EntityPath=myhub`;

describe('eventHubsConnectionStringProblem', () => {
  it('accepts the portal\'s Built-in endpoints string (and the local emulator form)', () => {
    assert.equal(eventHubsConnectionStringProblem(GOOD), undefined);
    assert.equal(eventHubsConnectionStringProblem(`  ${GOOD}  `), undefined);
    assert.equal(eventHubsConnectionStringProblem(`Endpoint=sb://localhost:5672;SharedAccessKeyName=service;SharedAccessKey=${KEY};EntityPath=hub;UseDevelopmentEmulator=true`), undefined);
  });

  it('explains each wrong input without showing the key', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /Paste the Event Hubs-compatible connection string/],
      [`HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`, /IoT Hub connection string.*Endpoint=sb:\/\//],
      [GOOD.replace(/;EntityPath=myhub/, ''), /needs EntityPath/],
      [GOOD.replace(/SharedAccessKeyName=iothubowner;/, ''), /needs SharedAccessKeyName/],
      [GOOD.replace('sb://', 'https://'), /Endpoint must be sb:\/\//],
      [GOOD.replace(KEY, 'not a key!'), /SharedAccessKey is not a base64 key/],
      [`${GOOD};EntityPath=other`, /more than once/],
      [KEY, /not Name=value/],
    ];
    for (const [input, expected] of cases) {
      const problem = eventHubsConnectionStringProblem(input);
      assert.ok(problem !== undefined && expected.test(problem), `${input.slice(0, 40)}...: ${problem ?? 'accepted'}`);
      assert.ok(!problem.includes(KEY), 'the key is never repeated');
    }
  });
});
