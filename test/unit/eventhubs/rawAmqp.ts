// A bare rhea client for the endpoint tests that the SDK cannot express: malformed filters,
// exact credit, links to entities that do not exist, put-token replies as they are on the wire.
import { create_container, types, type Connection, type EventContext, type Message, type Receiver, type Sender } from 'rhea';
import { createHmac } from 'node:crypto';

export interface RawClient {
  connection: Connection;
  /** Put-token on $cbs; resolves with the reply's application properties. */
  putToken(audience: string, token: string, type?: string): Promise<Record<string, unknown>>;
  /** Sends a request on `$management`; resolves with the reply. */
  management(applicationProperties: Record<string, unknown>): Promise<Message>;
  /** Opens a receiver; resolves when it is attached and then either stays open (ms) or is detached with an error. */
  openReceiver(address: string, options?: { filter?: string; credit?: number; properties?: Record<string, unknown> }): Promise<RawReceiver>;
  close(): Promise<void>;
}

export interface RawReceiver {
  link: Receiver;
  messages: Message[];
  /** Resolves with the detach error (or undefined when closed without one) once the link is closed by the peer. */
  closed: Promise<{ condition?: string; description?: string } | undefined>;
  addCredit(n: number): void;
}

export function eventHubsToken(audience: string, keyName: string, key: string, expirySeconds = Math.floor(Date.now() / 1000) + 3600): string {
  const sr = encodeURIComponent(audience);
  const sig = createHmac('sha256', key).update(`${sr}\n${expirySeconds}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expirySeconds}&skn=${encodeURIComponent(keyName)}`;
}

export async function rawConnect(port: number): Promise<RawClient> {
  const container = create_container();
  container.on('error', () => undefined);
  const connection = container.connect({ host: '127.0.0.1', port, reconnect: false, username: 'anon' } as never) as Connection;
  connection.on('disconnected', () => undefined);
  connection.on('connection_error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    connection.once('connection_open', () => resolve());
    connection.once('disconnected', (ctx: EventContext) => reject(ctx.error ?? new Error('disconnected')));
  });
  const pending = new Map<string, (m: Message) => void>();
  let n = 0;
  const requestResponse = (node: string): { send(m: Message): Promise<Message> } => {
    const replyTo = `${node}-reply-${Math.random().toString(16).slice(2)}`;
    const sender: Sender = connection.open_sender({ target: { address: node } });
    const receiver: Receiver = connection.open_receiver({ source: { address: node }, target: { address: replyTo }, name: replyTo });
    receiver.on('message', (ctx: EventContext) => {
      const id = String(ctx.message?.correlation_id);
      pending.get(id)?.(ctx.message!);
      pending.delete(id);
    });
    return {
      send: (m) => new Promise<Message>((resolve) => {
        const id = `req-${++n}`;
        pending.set(id, resolve);
        const send = (): void => {
          sender.send({ ...m, message_id: id, reply_to: replyTo });
        };
        if (sender.sendable()) send();
        else sender.once('sendable', send);
      }),
    };
  };
  let cbs: { send(m: Message): Promise<Message> } | undefined;
  let mgmt: { send(m: Message): Promise<Message> } | undefined;
  return {
    connection,
    async putToken(audience, token, type = 'servicebus.windows.net:sastoken') {
      cbs ??= requestResponse('$cbs');
      const reply = await cbs.send({ body: token, application_properties: { operation: 'put-token', name: audience, type } });
      return (reply.application_properties ?? {}) as Record<string, unknown>;
    },
    async management(applicationProperties) {
      mgmt ??= requestResponse('$management');
      return mgmt.send({ body: null, application_properties: applicationProperties });
    },
    openReceiver(address, options = {}) {
      const source: Record<string, unknown> = { address };
      if (options.filter !== undefined) {
        source['filter'] = { 'apache.org:selector-filter:string': types.wrap_described(options.filter, 0x468c00000004) };
      }
      const link = connection.open_receiver({ source, credit_window: 0, autoaccept: true, properties: options.properties } as never) as Receiver;
      const messages: Message[] = [];
      link.on('message', (ctx: EventContext) => {
        messages.push(ctx.message!);
      });
      const closed = new Promise<{ condition?: string; description?: string } | undefined>((resolve) => {
        link.on('receiver_error', () => undefined);
        link.on('receiver_close', (ctx: EventContext) => {
          const err = ctx.receiver?.error as { condition?: string; description?: string } | undefined;
          resolve(err === undefined ? undefined : { condition: String(err.condition), description: String(err.description) });
        });
      });
      return new Promise((resolve) => {
        link.once('receiver_open', () => {
          if (options.credit !== undefined && options.credit > 0) link.add_credit(options.credit);
          resolve({ link, messages, closed, addCredit: (c) => link.add_credit(c) });
        });
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (!connection.is_open()) {
          resolve();
          return;
        }
        const t = setTimeout(() => {
          connection.socket?.destroy?.();
          resolve();
        }, 2000);
        connection.once('connection_close', () => {
          clearTimeout(t);
          resolve();
        });
        connection.once('disconnected', () => {
          clearTimeout(t);
          resolve();
        });
        connection.close();
      });
    },
  };
}
