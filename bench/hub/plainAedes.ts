// Peer for the hub benchmark: plain aedes over TLS with no hub logic (no auth, no durability),
// the same broker library the local hub is built on.
import { Aedes } from 'aedes';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';

async function main(): Promise<void> {
  const [certPath, keyPath, portArg] = process.argv.slice(2);
  const broker = await Aedes.createBroker();
  const server = createServer({ cert: readFileSync(certPath!), key: readFileSync(keyPath!) }, (socket) => broker.handle(socket));
  server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(JSON.stringify({ ready: true, port: typeof addr === 'object' && addr ? addr.port : 0 }) + '\n');
  });
  process.on('SIGTERM', () => { server.close(); broker.close(() => process.exit(0)); });
}
void main();
