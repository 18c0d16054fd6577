// The in-process stand-in for NODE_EXTRA_CA_CERTS in these tests: azure-iothub's Client, Registry
// and @azure/event-hubs (TLS) take no CA option, and NODE_EXTRA_CA_CERTS is read only at process
// start, before a test hub has made its CA. This wraps tls.connect so a connection to a loopback
// name that brings no `ca` of its own trusts the test hub's CA (the SDKs stay unchanged; a user's
// back end sets NODE_EXTRA_CA_CERTS instead, which standardPorts.test.ts exercises in a child process).
import tls from 'node:tls';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

export function trustLocalCa(ca: string): () => void {
  const original = tls.connect;
  const patched = ((...args: unknown[]): tls.TLSSocket => {
    const options = args.find((a): a is tls.ConnectionOptions => typeof a === 'object' && a !== null);
    const host = options?.host ?? options?.servername ?? (typeof args[1] === 'string' ? args[1] : undefined);
    if (options !== undefined && options.ca === undefined && (host === undefined || LOOPBACK.has(host))) options.ca = ca;
    return (original as (...a: unknown[]) => tls.TLSSocket)(...args);
  }) as typeof tls.connect;
  tls.connect = patched;
  return () => {
    if (tls.connect === patched) tls.connect = original;
  };
}
