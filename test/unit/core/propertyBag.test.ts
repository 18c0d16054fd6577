import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from 'azure-iot-common';
import { Mqtt } from 'azure-iot-device-mqtt';
import {
  PropertyBagError, TopicError, decodePropertyBag, encodePropertyBag, formatC2dTopic, formatD2cTopic,
  parseC2dTopic, parseD2cTopic,
} from '../../../src/core/codec/propertyBag';
import { SENDER_SYSTEM_PROPERTIES, type ApplicationProperty, type SystemProperties } from '../../../src/core/message/model';

// The SDK's topic code, called on its real prototype with the minimum `this` it uses.
interface SdkMessage {
  messageId?: string; correlationId?: string; userId?: string; to?: string; expiryTimeUtc?: string;
  contentType?: string; contentEncoding?: string;
  properties: { count(): number; getItem(i: number): { key: string; value: string } };
}
const sdkMqtt = Mqtt.prototype as unknown as {
  _getEventTopicFromMessage(this: { _topicTelemetryPublish: string }, m: Message): string;
  _onC2DMessage(this: object, topic: string, payload: Buffer): void;
  _extractPropertiesFromTopicPart(properties: string, msg: Message): void;
};

function sdkEventTopic(deviceId: string, message: Message): string {
  return sdkMqtt._getEventTopicFromMessage.call({ _topicTelemetryPublish: `devices/${deviceId}/messages/events/` }, message);
}

function sdkReceiveC2d(topic: string): SdkMessage {
  let received: SdkMessage | undefined;
  const fakeThis = {
    _extractPropertiesFromTopicPart: sdkMqtt._extractPropertiesFromTopicPart,
    emit: (_event: string, msg: SdkMessage) => { received = msg; },
  };
  sdkMqtt._onC2DMessage.call(fakeThis, topic, Buffer.from('body'));
  assert.ok(received, 'the SDK emitted a message');
  return received;
}

function sdkAppProperties(m: SdkMessage): ApplicationProperty[] {
  const out: ApplicationProperty[] = [];
  for (let i = 0; i < m.properties.count(); i++) {
    const p = m.properties.getItem(i);
    out.push({ name: p.key, value: p.value });
  }
  return out;
}

test('doc example: C2D topic devices/{id}/messages/devicebound/%24.mid=...&%24.to=...&iothub-ack=...&app=...', () => {
  const topic = formatC2dTopic('dev1', {
    systemProperties: { messageId: 'm1', to: '/devices/dev1/messages/devicebound', ack: 'full' },
    applicationProperties: [{ name: 'app', value: 'v 1' }],
  });
  assert.equal(topic, 'devices/dev1/messages/devicebound/%24.mid=m1&%24.to=%2Fdevices%2Fdev1%2Fmessages%2Fdevicebound&iothub-ack=full&app=v%201');
  const parsed = parseC2dTopic(topic);
  assert.equal(parsed.deviceId, 'dev1');
  assert.deepEqual(parsed.systemProperties, { messageId: 'm1', to: '/devices/dev1/messages/devicebound', ack: 'full' });
  assert.deepEqual(parsed.applicationProperties, [{ name: 'app', value: 'v 1' }]);
});

test('doc: system keys $.mid $.cid $.uid $.to $.exp $.ct $.ce $.ctime $.sub map to system properties, "$" literal or %24', () => {
  const bag = '$.mid=a&%24.cid=b&$.uid=c&%24.to=d&$.exp=2026-11-22T10%3A00%3A00Z&$.ct=application%2Fjson&$.ce=utf-8&$.ctime=t&$.sub=s&iothub-ack=full&x=y';
  const d = decodePropertyBag(bag);
  assert.deepEqual(d.systemProperties, {
    messageId: 'a', correlationId: 'b', userId: 'c', to: 'd', expiryTimeUtc: '2026-11-22T10:00:00Z',
    contentType: 'application/json', contentEncoding: 'utf-8', creationTimeUtc: 't', subject: 's', ack: 'full',
  });
  assert.deepEqual(d.applicationProperties, [{ name: 'x', value: 'y' }]);
  assert.deepEqual(d.unknownSystemKeys, []);
});

test('decode: key with no "=" is a property with an empty value, listed as valueless (the SDK would say "undefined")', () => {
  const d = decodePropertyBag('flag&a=1');
  assert.deepEqual(d.applicationProperties, [{ name: 'flag', value: '' }, { name: 'a', value: '1' }]);
  assert.deepEqual(d.valuelessKeys, ['flag']);
});

test('MicrosoftDocs/azure-docs#58154: C2D "/?ne1&ne2=&ne3=ne" is null, empty and a value', () => {
  const d = decodePropertyBag('ne1&ne2=&ne3=ne');
  assert.deepEqual(d.applicationProperties, [{ name: 'ne1', value: '' }, { name: 'ne2', value: '' }, { name: 'ne3', value: 'ne' }]);
  assert.deepEqual(d.valuelessKeys, ['ne1']);
});

test('azure-iot-explorer#530: C2D topics as the Azure portal and IoT Explorer deliver them parse', () => {
  const portal = parseC2dTopic('devices/nonsdkdevice/messages/devicebound/%24.to=%2Fdevices%2Fnonsdkdevice%2Fmessages%2FdeviceBound&%24.ct=text%2Fplain%3B%20charset%3DUTF-8&%24.ce=utf-8&bbb=bbbb&aaa=aaaa');
  assert.deepEqual(portal.systemProperties, { to: '/devices/nonsdkdevice/messages/deviceBound', contentType: 'text/plain; charset=UTF-8', contentEncoding: 'utf-8' });
  assert.deepEqual(portal.applicationProperties, [{ name: 'bbb', value: 'bbbb' }, { name: 'aaa', value: 'aaaa' }]);
  const explorer = parseC2dTopic('devices/nonsdkdevice/messages/devicebound/%24.mid=f618dedc-210e-4c68-956d-160577b2ca01&%24.to=%2Fdevices%2Fnonsdkdevice%2Fmessages%2Fdevicebound&key1=value1&key2=value2');
  assert.equal(explorer.systemProperties.messageId, 'f618dedc-210e-4c68-956d-160577b2ca01');
  assert.equal(explorer.applicationProperties.length, 2);
});

test('decode: only the first "=" splits, "+" stays a plus, empty segments are skipped', () => {
  const d = decodePropertyBag('&a=b=c&&p=1+1&');
  assert.deepEqual(d.applicationProperties, [{ name: 'a', value: 'b=c' }, { name: 'p', value: '1+1' }]);
  assert.deepEqual(decodePropertyBag('').applicationProperties, []);
});

test('decode: unknown $. keys are kept as application properties and listed', () => {
  const d = decodePropertyBag('%24.ifid=urn%3Ax&$.on=out1');
  assert.deepEqual(d.unknownSystemKeys, ['$.ifid', '$.on']);
  assert.deepEqual(d.applicationProperties, [{ name: '$.ifid', value: 'urn:x' }, { name: '$.on', value: 'out1' }]);
});

test('decode: repeated system key keeps the last value; repeated app names are all kept', () => {
  const d = decodePropertyBag('$.mid=1&$.mid=2&k=1&K=2');
  assert.equal(d.systemProperties.messageId, '2');
  assert.deepEqual(d.applicationProperties.map((p) => p.name), ['k', 'K']);
});

test('decode: empty key throws PropertyBagError with the offset', () => {
  assert.throws(() => decodePropertyBag('a=1&=v'), (e: unknown) => e instanceof PropertyBagError && e.offset === 4 && /Empty property name/.test(e.message));
  // A key that decodes to nothing is impossible (decodeURIComponent never shrinks to ''), but "%" forms are checked:
  assert.throws(() => decodePropertyBag('a=%zz'), (e: unknown) => e instanceof PropertyBagError && e.offset === 2 && /'%' at offset 2/.test(e.message));
  assert.throws(() => decodePropertyBag('a=1&b%2=1'), (e: unknown) => e instanceof PropertyBagError && e.offset === 5);
  assert.throws(() => decodePropertyBag('a=%C3%28'), (e: unknown) => e instanceof PropertyBagError && /not valid UTF-8/.test(e.message));
});

test('decode offsets inside a topic point into the topic', () => {
  const topic = 'devices/d/messages/events/a=%G1';
  assert.throws(() => parseD2cTopic(topic), (e: unknown) => e instanceof PropertyBagError && topic[e.offset] === '%');
});

test('encode: an application property named like a system key, or empty, or with a lone surrogate is refused', () => {
  assert.throws(() => encodePropertyBag({}, [{ name: '$.mid', value: 'x' }], 'd2c'), PropertyBagError);
  assert.throws(() => encodePropertyBag({}, [{ name: 'iothub-ack', value: 'x' }], 'c2d'), PropertyBagError);
  assert.throws(() => encodePropertyBag({}, [{ name: '', value: 'x' }], 'c2d'), PropertyBagError);
  assert.throws(() => encodePropertyBag({}, [{ name: 'a', value: '\ud800' }], 'c2d'), /lone UTF-16 surrogate/);
});

test('D2C topics: device and module forms, no bag, and non-events topics', () => {
  assert.deepEqual(parseD2cTopic('devices/dev1/messages/events/'), { deviceId: 'dev1', systemProperties: {}, applicationProperties: [], unknownSystemKeys: [], valuelessKeys: [] });
  assert.equal(parseD2cTopic('devices/dev1/messages/events').deviceId, 'dev1');
  const m = parseD2cTopic('devices/dev1/modules/mod1/messages/events/a=1');
  assert.equal(m.moduleId, 'mod1');
  assert.deepEqual(m.applicationProperties, [{ name: 'a', value: '1' }]);
  assert.equal(formatD2cTopic('dev1', { systemProperties: {}, applicationProperties: [] }, 'mod1'), 'devices/dev1/modules/mod1/messages/events/');
  for (const bad of ['devices/dev1/messages/devicebound/', '$iothub/twin/GET/?$rid=1', 'devices//messages/events/', 'devices/dev1/messages/eventsX']) {
    assert.throws(() => parseD2cTopic(bad), TopicError, bad);
  }
  assert.throws(() => parseC2dTopic('devices/dev1/messages/events/'), TopicError);
  assert.throws(() => formatD2cTopic('a/b', { systemProperties: {}, applicationProperties: [] }), TopicError);
  assert.throws(() => formatC2dTopic('a#', { systemProperties: {}, applicationProperties: [] }), TopicError);
});

test('D2C: a raw "/" inside the bag is part of a value, not a new level', () => {
  assert.deepEqual(parseD2cTopic('devices/d/messages/events/path=/a/b').applicationProperties, [{ name: 'path', value: '/a/b' }]);
});

// ---- interop with azure-iot-device-mqtt ----

test('SDK interop: the topic azure-iot-device-mqtt builds for sendEvent decodes to the same properties', () => {
  const message = new Message('{"t":21}');
  message.messageId = 'msg-1';
  message.correlationId = 'corr/1 & more';
  message.userId = 'user=1';
  message.to = '/some/where';
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  message.expiryTimeUtc = '2026-11-22T10:00:00.000Z';
  message.properties.add('temp°C', '21.5 & rising');
  message.properties.add('$weird=key', '100%');
  message.properties.add('emoji', 'ðŸ˜€ \u{1F600}');
  const topic = sdkEventTopic('dev1', message);
  const parsed = parseD2cTopic(topic);
  assert.equal(parsed.deviceId, 'dev1');
  assert.deepEqual(parsed.systemProperties, {
    messageId: 'msg-1', correlationId: 'corr/1 & more', userId: 'user=1', to: '/some/where',
    contentType: 'application/json', contentEncoding: 'utf-8', expiryTimeUtc: '2026-11-22T10:00:00.000Z',
  });
  assert.deepEqual(parsed.applicationProperties, [
    { name: 'temp°C', value: '21.5 & rising' }, { name: '$weird=key', value: '100%' }, { name: 'emoji', value: 'ðŸ˜€ \u{1F600}' },
  ]);
  // Our own D2C encoding of the same message is byte-identical to the SDK's.
  assert.equal(formatD2cTopic('dev1', parsed), topic);
});

test('SDK interop: the SDK maps app property dt-subject to $.sub, which we read as subject', () => {
  const message = new Message('x');
  message.properties.add('dt-subject', 'thermostat1');
  assert.deepEqual(parseD2cTopic(sdkEventTopic('d', message)).systemProperties, { subject: 'thermostat1' });
});

test('SDK interop: our C2D topic parses in azure-iot-device-mqtt _onC2DMessage to the same message', () => {
  const sys: SystemProperties = {
    messageId: 'm:1', to: '/devices/dev1/messages/devicebound', expiryTimeUtc: '2026-11-22T10:00:00.000Z',
    correlationId: 'c&1=2', userId: 'u/1', contentType: 'text/plain; charset=utf-8', contentEncoding: 'utf-8', ack: 'full',
  };
  const app = [{ name: 'a b', value: 'x=y&z' }, { name: 'ünï', value: '%41' }];
  const got = sdkReceiveC2d(formatC2dTopic('dev1', { systemProperties: sys, applicationProperties: app }));
  assert.equal(got.messageId, sys.messageId);
  assert.equal(got.to, sys.to);
  assert.equal(got.expiryTimeUtc, sys.expiryTimeUtc);
  assert.equal(got.correlationId, sys.correlationId);
  assert.equal(got.userId, sys.userId);
  assert.equal(got.contentType, sys.contentType);
  assert.equal(got.contentEncoding, sys.contentEncoding);
  // The SDK does not map iothub-ack; it surfaces as an application property, as from the real hub.
  assert.deepEqual(sdkAppProperties(got), [{ name: 'iothub-ack', value: 'full' }, ...app]);
});

test('property: any C2D topic we format is read by the SDK exactly as by parseC2dTopic', () => {
  const sdkKeys = ['messageId', 'to', 'expiryTimeUtc', 'correlationId', 'userId', 'contentType', 'contentEncoding'] as const;
  fc.assert(fc.property(arbSystem(sdkKeys), arbApp(), (sys, app) => {
    const topic = formatC2dTopic('dev1', { systemProperties: sys, applicationProperties: app });
    const ours = parseC2dTopic(topic);
    const sdk = sdkReceiveC2d(topic);
    for (const k of sdkKeys) {
      // The SDK's Message starts messageId, to, correlationId and userId as '' (others undefined),
      // so it cannot tell "absent" from "empty": compare with that folded away.
      assert.equal(sdk[k] || undefined, ours.systemProperties[k] || undefined, k);
    }
    assert.deepEqual(sdkAppProperties(sdk), ours.applicationProperties);
  }), { numRuns: 200 });
});

test('property: for any message, the SDK-built D2C topic parses to its properties and equals formatD2cTopic byte for byte', () => {
  const sdkKeys = ['messageId', 'correlationId', 'userId', 'to', 'contentType', 'contentEncoding', 'expiryTimeUtc'] as const;
  fc.assert(fc.property(arbSystem(sdkKeys), arbApp(), (sysWithEmpties, app) => {
    // The SDK skips falsy system values, so only non-empty ones can be compared.
    const sys: SystemProperties = Object.fromEntries(Object.entries(sysWithEmpties).filter(([, v]) => v !== '')) as SystemProperties;
    const appNoSubject = app.filter((p) => p.name !== 'dt-subject');
    const message = new Message('body');
    for (const k of sdkKeys) {
      const v = sys[k];
      if (v !== undefined) (message as unknown as Record<string, string>)[k] = v;
    }
    for (const p of appNoSubject) message.properties.add(p.name, p.value);
    const topic = sdkEventTopic('dev1', message);
    const parsed = parseD2cTopic(topic);
    assert.deepEqual(parsed.systemProperties, sys);
    assert.deepEqual(parsed.applicationProperties, appNoSubject);
    assert.equal(formatD2cTopic('dev1', { systemProperties: sys, applicationProperties: appNoSubject }), topic);
  }), { numRuns: 300 });
});

// ---- round trip ----

const TRICKY = fc.constantFrom('&', '=', '/', '%', '$', '+', ' ', '#', '?', '%24', '%2', '.', '\u00b0', '\u{1F600}', '\u0000', '\n');
/** Arbitrary unicode (well-formed UTF-16) with the bag's special characters mixed in often. */
const arbText = (minLength = 0): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), TRICKY), { minLength, maxLength: 8 })
    .map((parts) => parts.join(''))
    .filter((s) => s.length >= minLength);

function arbSystem(keys: readonly (keyof SystemProperties)[] = SENDER_SYSTEM_PROPERTIES): fc.Arbitrary<SystemProperties> {
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const k of keys) model[k] = arbText();
  return fc.record(model, { requiredKeys: [] }).map((r) => ({ ...r }) as SystemProperties);
}

const RESERVED_NAMES = new Set(['$.mid', '$.cid', '$.uid', '$.to', '$.exp', '$.ct', '$.ce', '$.ctime', '$.sub', 'iothub-ack']);
function arbApp(): fc.Arbitrary<ApplicationProperty[]> {
  return fc.array(
    fc.record({ name: fc.oneof(arbText(1), fc.constantFrom('$.custom', 'iothub-other', '$')), value: arbText() })
      .filter((p) => !RESERVED_NAMES.has(p.name)).map((p) => ({ name: p.name, value: p.value })),
    { maxLength: 6 },
  );
}

for (const style of ['d2c', 'c2d'] as const) {
  test(`property: decode(encode(bag)) is the identity for any strings (${style} style)`, () => {
    fc.assert(fc.property(arbSystem(), arbApp(), (sys, app) => {
      const decoded = decodePropertyBag(encodePropertyBag(sys, app, style));
      assert.deepEqual(decoded.systemProperties, sys);
      assert.deepEqual(decoded.applicationProperties, app);
      assert.deepEqual(decoded.unknownSystemKeys, app.filter((p) => p.name.startsWith('$.')).map((p) => p.name));
      assert.deepEqual(decoded.valuelessKeys, [], 'the encoder always writes k=v');
    }), { numRuns: 500 });
  });
}

test('property: D2C and C2D topics round trip for any properties', () => {
  fc.assert(fc.property(arbSystem(), arbApp(), (sys, app) => {
    const d2c = parseD2cTopic(formatD2cTopic('dev-1', { systemProperties: sys, applicationProperties: app }, 'm1'));
    assert.deepEqual([d2c.deviceId, d2c.moduleId, d2c.systemProperties, d2c.applicationProperties], ['dev-1', 'm1', sys, app]);
    const c2d = parseC2dTopic(formatC2dTopic('dev-1', { systemProperties: sys, applicationProperties: app }));
    assert.deepEqual([c2d.deviceId, c2d.systemProperties, c2d.applicationProperties], ['dev-1', sys, app]);
  }), { numRuns: 300 });
});

test('property: decoding never throws anything but PropertyBagError, and nothing is lost', () => {
  fc.assert(fc.property(arbText(), (bag) => {
    try {
      const d = decodePropertyBag(bag);
      const segments = bag.split('&').filter((s) => s.length > 0).length;
      const systemKeys = Object.keys(d.systemProperties).length;
      assert.ok(d.applicationProperties.length + systemKeys <= segments);
      assert.ok(d.applicationProperties.length + (systemKeys > 0 ? 1 : 0) <= segments);
    } catch (e) {
      assert.ok(e instanceof PropertyBagError, String(e));
      assert.ok(e.offset >= 0 && e.offset <= bag.length);
    }
  }), { numRuns: 500 });
});
