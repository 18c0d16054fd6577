// Bad input on the service endpoint is refused with a clear AMQP error and the endpoint keeps
// serving: garbage and malformed frames over TLS, wrong and expired tokens on $cbs, links before
// any token, links to addresses that do not exist, file notifications (not available locally).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { create_container, message as rheaMessage, type Connection, type EventContext, type Message } from 'rhea';
import { createSasToken } from '../../../src/core/auth/sas';
import { startTestHub, type TestHub } from '../hub/testHub';

/** How long an attached link must stay attached, with no refusal, to count as accepted. */
const NO_REFUSAL_WITHIN_MS = 300;

interface Raw {
  connection: Connection;
  putToken(token: string, audience?: string): Promise<number>;
  /** Attaches a link and resolves with the detach error's condition, or 'open' if it stayed attached NO_REFUSAL_WITHIN_MS. */
  attach(kind: 'sender' | 'receiver', address: string): Promise<string>;
  send(to: string, body: string): Promise<string>;
  close(): void;
}

function connect(t: TestHub): Promise<Raw> {
  const port = t.hub.connectionInfo.service!.amqpPort!;
  return new Promise((resolve, reject) => {
    const connection = create_container().connect({ transport: 'tls', host: 'localhost', port, ca: t.ca, reconnect: false } as never);
    connection.on('connection_error', (ctx: EventContext) => reject(ctx.connection.error as Error));
    connection.on('error', () => undefined);
    connection.once('connection_open', () => {
      const cbsOut = connection.open_sender({ target: { address: '$cbs' } });
      const cbsIn = connection.open_receiver({ source: { address: '$cbs' }, target: { address: 'cbs-reply' } });
      const waiting = new Map<string, (m: Message) => void>();
      cbsIn.on('message', (ctx: EventContext) => waiting.get(String(ctx.message!.correlation_id))?.(ctx.message!));
      let n = 0;
      let c2d: ReturnType<Connection['open_sender']> | undefined;
      resolve({
        connection,
        putToken: (token, audience = 'localhost') => new Promise((res) => {
          const id = `pt-${n++}`;
          waiting.set(id, (m) => res(Number((m.application_properties as Record<string, unknown>)['status-code'])));
          cbsOut.send({ message_id: id, reply_to: 'cbs-reply', application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: audience }, body: token });
        }),
        attach: (kind, address) => new Promise((res) => {
          const link = kind === 'sender' ? connection.open_sender({ target: { address } }) : connection.open_receiver({ source: { address } });
          // 'open' means no refusal came: a window, the assertion itself (some refusals follow an attach the hub echoed whole).
          const timer = setTimeout(() => res('open'), NO_REFUSAL_WITHIN_MS);
          link.once(kind === 'sender' ? 'sender_error' : 'receiver_error', () => {
            clearTimeout(timer);
            res(String((link.error as { condition?: string } | undefined)?.condition));
          });
        }),
        send: (to, body) => new Promise((res) => {
          c2d ??= connection.open_sender({ target: { address: '/messages/devicebound' } });
          const go = (): void => {
            const delivery = c2d!.send({ to, body: rheaMessage.data_section(Buffer.from(body)) });
            const done = (ctx: EventContext): void => {
              if (ctx.delivery !== delivery) return;
              const state = ctx.delivery.remote_state as { error?: { condition?: string } } | undefined;
              res(state?.error?.condition ?? 'accepted');
            };
            connection.on('accepted', done);
            connection.on('rejected', done);
          };
          if (c2d.sendable()) go();
          else c2d.once('sendable', go);
        }),
        close: () => connection.close(),
      });
    });
  });
}

function ownerToken(t: TestHub, options: { expiresAtSeconds?: number; key?: string } = {}): string {
  const owner = t.hub.hubState.policies.find((p) => p.keyName === 'iothubowner')!;
  return createSasToken({ resourceUri: 'localhost', key: options.key ?? owner.primaryKey, keyName: owner.keyName, expiresAtSeconds: options.expiresAtSeconds ?? Math.floor(Date.now() / 1000) + 3600 });
}

void describe('service endpoint robustness', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ serviceAmqpPort: 0 });
    await t.createDevice('rb-dev');
  });
  after(async () => t.close());

  void it('refuses links before any token, and wrong, expired and unknown-policy tokens', async () => {
    const raw = await connect(t);
    try {
      assert.equal(await raw.attach('sender', '/messages/devicebound'), 'amqp:unauthorized-access');
      assert.equal(await raw.attach('receiver', '/messages/serviceBound/feedback'), 'amqp:unauthorized-access');
      assert.equal(await raw.putToken(ownerToken(t, { expiresAtSeconds: Math.floor(Date.now() / 1000) - 10 })), 401);
      assert.equal(await raw.putToken(ownerToken(t, { key: Buffer.alloc(32, 1).toString('base64') })), 401);
      assert.equal(await raw.putToken('SharedAccessSignature sr=localhost&sig=abc&se=1&skn=nobody'), 401);
      assert.equal(await raw.putToken('not a token'), 401);
      assert.equal(await raw.attach('sender', '/messages/devicebound'), 'amqp:unauthorized-access');
      // The same connection, once it holds a good token, works.
      assert.equal(await raw.putToken(ownerToken(t)), 200);
      assert.equal(await raw.send('/devices/rb-dev/messages/devicebound', 'after refusals'), 'accepted');
      assert.equal(t.hub.hubState.c2d.depth('rb-dev'), 1);
    } finally {
      raw.close();
    }
  });

  void it('refuses unknown addresses and malformed messages, and keeps the connection', async () => {
    const raw = await connect(t);
    try {
      assert.equal(await raw.putToken(ownerToken(t)), 200);
      assert.equal(await raw.attach('sender', '/messages/nowhere'), 'amqp:not-allowed');
      assert.equal(await raw.attach('receiver', '/messages/serviceBound/filenotifications'), 'amqp:not-implemented');
      assert.equal(await raw.attach('receiver', 'local-hub/ConsumerGroups/nope/Partitions/0'), 'amqp:not-found');
      assert.equal(await raw.send('/devices/rb-dev/messages/events', 'wrong to'), 'com.microsoft:argument-error');
      assert.equal(await raw.send('/devices/ghost/messages/devicebound', 'nobody'), 'amqp:not-found');
      assert.equal(await raw.send('/devices/rb-dev/messages/devicebound', 'still fine'), 'accepted');
    } finally {
      raw.close();
    }
  });

  void it('drops garbage and malformed frames over TLS and keeps serving', async () => {
    const port = t.hub.connectionInfo.service!.amqpPort!;
    const payloads = [
      Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'),
      // A valid AMQP header, then a frame announcing 4 GB.
      Buffer.concat([Buffer.from('AMQP\x00\x01\x00\x00', 'binary'), Buffer.from([0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0])]),
      // A valid header, then a well-sized frame whose body is not an AMQP performative.
      Buffer.concat([Buffer.from('AMQP\x00\x01\x00\x00', 'binary'), Buffer.from([0, 0, 0, 16, 2, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4])]),
    ];
    for (const bytes of payloads) {
      await new Promise<void>((resolve, reject) => {
        const socket = tls.connect({ host: 'localhost', port, ca: t.ca }, () => socket.write(bytes));
        const timer = setTimeout(() => reject(new Error(`the endpoint kept a garbage connection open (${bytes.subarray(0, 8).toString('hex')})`)), 5000);
        socket.on('data', () => undefined);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const raw = await connect(t);
    try {
      assert.equal(await raw.putToken(ownerToken(t)), 200);
      assert.equal(await raw.send('/devices/rb-dev/messages/devicebound', 'after garbage'), 'accepted');
    } finally {
      raw.close();
    }
  });
});
