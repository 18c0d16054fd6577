// The one load generator used against every target (local hub, plain aedes over TLS, mosquitto),
// run in its own process so the broker's CPU can be measured separately.
// Input: a JSON job in the file named by argv[2] (1,000 SAS credentials exceed one argument's
// 128 KB limit); output: one JSON result line on stdout.
import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface Credential { clientId: string; username: string; password?: string }
export type Job =
  | { mode: 'd2c'; url: string; ca: string; devices: Credential[]; payloadBytes: number; windowPerDevice: number; durationMs: number; warmupMs: number; telemetry?: boolean }
  | { mode: 'idle'; url: string; ca: string; devices: Credential[]; holdMs: number }
  | { mode: 'c2d'; url: string; ca: string; device: Credential; count: number; send: C2dSender };

/** How the "service side" injects a C2D message: the hub's management API, or a plain MQTT publish for peers. */
export type C2dSender =
  | { kind: 'hubApi'; apiBase: string; authorization: string }
  | { kind: 'mqtt'; service: Credential };

function connect(url: string, ca: Buffer, c: Credential): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: c.clientId, username: c.username, ...(c.password !== undefined ? { password: c.password } : {}),
      ca, protocolVersion: 4, clean: false, reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 240,
      rejectUnauthorized: true, servername: 'localhost',
    });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

async function connectAll(url: string, ca: Buffer, creds: Credential[], parallel = 50): Promise<mqtt.MqttClient[]> {
  const clients: mqtt.MqttClient[] = new Array(creds.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, creds.length) }, async () => {
    while (next < creds.length) {
      const i = next++;
      clients[i] = await connect(url, ca, creds[i]!);
    }
  }));
  return clients;
}

async function endAll(clients: mqtt.MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
}

async function runD2c(job: Extract<Job, { mode: 'd2c' }>): Promise<object> {
  const ca = readFileSync(job.ca);
  const clients = await connectAll(job.url, ca, job.devices);
  // telemetry: a UTF-8 JSON body with a temperature and application properties, as routes read them
  // (the routing rounds); otherwise opaque bytes to a bare topic.
  const payload = job.telemetry === true
    ? Buffer.from(JSON.stringify({ temperature: 21.5, pad: 'x'.repeat(Math.max(0, job.payloadBytes - 40)) }))
    : Buffer.alloc(job.payloadBytes, 'x');
  const bag = job.telemetry === true ? '%24.ct=application%2Fjson&%24.ce=utf-8&level=info&site=lab-1' : '';
  let acked = 0;
  let measuring = false;
  let stop = false;
  const started = Date.now();
  const pumps = clients.map(async (client, i) => {
    const topic = `devices/${job.devices[i]!.clientId}/messages/events/${bag}`;
    // A bounded in-flight window per device: each slot publishes again as soon as its PUBACK arrives.
    await Promise.all(Array.from({ length: job.windowPerDevice }, async () => {
      while (!stop) {
        await client.publishAsync(topic, payload, { qos: 1 });
        if (measuring) acked++;
      }
    }));
  });
  await new Promise((r) => setTimeout(r, job.warmupMs));
  measuring = true;
  process.stdout.write(JSON.stringify({ phase: 'measure-start' }) + '\n');
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, job.durationMs));
  const count = acked;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ phase: 'measure-end' }) + '\n');
  measuring = false;
  stop = true;
  await Promise.race([Promise.all(pumps), new Promise((r) => setTimeout(r, 10_000))]);
  await endAll(clients);
  // The generator's own CPU per acknowledged message: on 2 cores it competes with the broker.
  return { acked: count, seconds, perSecond: count / seconds, totalMs: Date.now() - started, generatorCpuMicrosPerMessage: (cpu.user + cpu.system) / count };
}

async function runIdle(job: Extract<Job, { mode: 'idle' }>): Promise<object> {
  const ca = readFileSync(job.ca);
  const t0 = Date.now();
  const clients = await connectAll(job.url, ca, job.devices);
  const connectMs = Date.now() - t0;
  // Tell the orchestrator we're connected, then hold while it samples the broker's memory.
  process.stdout.write(JSON.stringify({ connected: clients.length, connectMs }) + '\n');
  await new Promise((r) => setTimeout(r, job.holdMs));
  await endAll(clients);
  return { connected: clients.length, connectMs };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function postJson(url: string, authorization: string, body: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(url, {
      method: 'POST', rejectUnauthorized: false, agent: keepAlive,
      headers: { 'content-type': 'application/json', 'content-length': data.length, authorization },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode !== undefined && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}
import { Agent } from 'node:https';
const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

async function runC2d(job: Extract<Job, { mode: 'c2d' }>): Promise<object> {
  const ca = readFileSync(job.ca);
  const device = await connect(job.url, ca, job.device);
  await device.subscribeAsync(`devices/${job.device.clientId}/messages/devicebound/#`, { qos: 1 });
  const service = job.send.kind === 'mqtt' ? await connect(job.url, ca, job.send.service) : undefined;
  let onMessage: (() => void) | undefined;
  device.on('message', () => onMessage?.());
  const latencies: number[] = [];
  const body = Buffer.alloc(256, 'c').toString('base64');
  for (let i = 0; i < job.count + 50; i++) {
    let receivedAt = 0n;
    const received = new Promise<void>((r) => (onMessage = () => { receivedAt = process.hrtime.bigint(); r(); }));
    const t0 = process.hrtime.bigint();
    // Latency is send -> device receipt. The sender's own acknowledgement (the HTTP response, which
    // the hub gives only once the message is durable) is awaited too before the next message,
    // but it is not part of the end-to-end figure.
    if (job.send.kind === 'hubApi') {
      await postJson(`${job.send.apiBase}/local/devices/${encodeURIComponent(job.device.clientId)}/messages`, job.send.authorization, {
        systemProperties: { messageId: `m${i}` }, applicationProperties: [], bodyBase64: body,
      });
    } else {
      await service!.publishAsync(`devices/${job.device.clientId}/messages/devicebound/%24.mid=m${i}`, Buffer.from(body, 'base64'), { qos: 1 });
    }
    await received;
    const ms = Number(receivedAt - t0) / 1e6;
    if (i >= 50) latencies.push(ms); // the first 50 warm up JIT and TLS session state
  }
  latencies.sort((a, b) => a - b);
  await endAll([device, ...(service ? [service] : [])]);
  keepAlive.destroy();
  return { count: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] };
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
  const result = job.mode === 'd2c' ? await runD2c(job) : job.mode === 'idle' ? await runIdle(job) : await runC2d(job);
  process.stdout.write(JSON.stringify({ result }) + '\n');
  process.exit(0);
}
main().catch((e: unknown) => {
  process.stderr.write(`load generator failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
