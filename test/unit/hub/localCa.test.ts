// The local CA is name-constrained to localhost, 127.0.0.1 and ::1: a certificate its key signs for
// any other name fails chain verification, the hub's own server certificate still verifies, and a
// data dir with a CA from before the constraint is upgraded on start.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { after, describe, it } from 'node:test';
import forge from 'node-forge';
import { TLS_DIR_NAME, ensureTlsMaterial } from '../../../src/hub/tls/localCa';
import { memoryLogger } from './testHub';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'local-ca-'));
  dirs.push(d);
  return d;
}

type AltName = { type: 2; value: string } | { type: 7; ip: string };

function newCert(subjectCn: string, issuer: { certPem: string; keyPem: string } | undefined, extensions: object[]): { certPem: string; keyPem: string } {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: subjectCn }]);
  cert.setIssuer(issuer ? forge.pki.certificateFromPem(issuer.certPem).subject.attributes : [{ name: 'commonName', value: subjectCn }]);
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(issuer?.keyPem ?? keys.privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
}

function leaf(ca: { certPem: string; keyPem: string }, cn: string, altNames: AltName[]): { certPem: string; keyPem: string } {
  return newCert(cn, ca, [
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
}

/** A CA as created before Name Constraints existed (same extensions otherwise). */
function oldStyleCa(): { certPem: string; keyPem: string } {
  return newCert('IoT Hub Local CA (old)', undefined, [
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
}

/**
 * TLS handshake against a server presenting `cert`; returns the chain verification error message
 * ('ok' when the chain verifies with `caPem`), independent of the host name check.
 */
async function chainResult(cert: { certPem: string; keyPem: string }, caPem: string): Promise<string> {
  const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve) => {
      // Node reports this verify error's code as UNSPECIFIED; OpenSSL's message is the telling part.
      const s = tlsConnect({ host: '127.0.0.1', port, ca: caPem, checkServerIdentity: () => undefined }, () => {
        s.destroy();
        resolve('ok');
      });
      s.on('error', (e) => resolve(e.message));
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** Full client verification (chain and host name) of the hub's server certificate. */
async function verifiesFor(material: { serverCertPem: string; serverKeyPem: string; caCertPem: string }, servername: string | undefined): Promise<void> {
  const server = createTlsServer({ cert: material.serverCertPem, key: material.serverKeyPem });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: material.caCertPem, ...(servername ? { servername } : {}) }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('local CA name constraints', () => {
  it('the CA has critical Name Constraints permitting only localhost, 127.0.0.1/32 and ::1/128', () => {
    const dataDir = tempDataDir();
    const m = ensureTlsMaterial(dataDir, 'h', memoryLogger([]));
    const ext = forge.pki.certificateFromPem(m.caCertPem).extensions.find((e: { id: string }) => e.id === '2.5.29.30') as
      { critical: boolean; permittedSubtrees: Array<{ type: number; value: string }>; excludedSubtrees: unknown[] } | undefined;
    assert.ok(ext, 'no nameConstraints extension');
    assert.equal(ext.critical, true);
    assert.deepEqual(ext.excludedSubtrees, []);
    assert.deepEqual(ext.permittedSubtrees.map((s) => [s.type, Buffer.from(s.value, 'binary').toString('hex')]), [
      [2, Buffer.from('localhost').toString('hex')],
      [7, '7f000001ffffffff'],
      [7, `${'00'.repeat(15)}01${'ff'.repeat(16)}`],
    ]);
  });

  it('openssl shows the constraint and rejects an example.com leaf signed by the CA key', { skip: !hasOpenssl && 'no openssl' }, () => {
    const dataDir = tempDataDir();
    const m = ensureTlsMaterial(dataDir, 'h', memoryLogger([]));
    const tls = join(dataDir, TLS_DIR_NAME);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', m.caCertPath], { encoding: 'utf8' });
    assert.match(text, /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+IP:127\.0\.0\.1\/255\.255\.255\.255\s+IP:0:0:0:0:0:0:0:1\/(?:FFFF:){7}FFFF\s/);
    const evil = leaf({ certPem: m.caCertPem, keyPem: readFileSync(join(tls, 'ca-key.pem'), 'utf8') }, 'example.com', [{ type: 2, value: 'example.com' }]);
    writeFileSync(join(dataDir, 'evil.pem'), evil.certPem);
    const bad = spawnSync('openssl', ['verify', '-CAfile', m.caCertPath, join(dataDir, 'evil.pem')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /permitted subtree violation/);
    const good = spawnSync('openssl', ['verify', '-CAfile', m.caCertPath, join(tls, 'server.pem')], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stdout + good.stderr);
  });

  it('TLS: leaves for other names fail chain verification; the hub server certificate verifies for localhost and 127.0.0.1', async () => {
    const dataDir = tempDataDir();
    const m = ensureTlsMaterial(dataDir, 'h', memoryLogger([]));
    const ca = { certPem: m.caCertPem, keyPem: readFileSync(join(dataDir, TLS_DIR_NAME, 'ca-key.pem'), 'utf8') };
    assert.equal(await chainResult(leaf(ca, 'example.com', [{ type: 2, value: 'example.com' }]), m.caCertPem), 'permitted subtree violation');
    assert.equal(await chainResult(leaf(ca, 'localhost', [{ type: 2, value: 'localhost' }, { type: 7, ip: '192.168.1.10' }]), m.caCertPem), 'permitted subtree violation');
    // No SAN: OpenSSL checks a host-name-like CN against the DNS constraints.
    assert.equal(await chainResult(newCert('example.com', ca, [{ name: 'basicConstraints', cA: false }]), m.caCertPem), 'permitted subtree violation');
    assert.equal(await chainResult({ certPem: m.serverCertPem, keyPem: m.serverKeyPem }, m.caCertPem), 'ok');
    await verifiesFor(m, 'localhost');
    await verifiesFor(m, undefined); // checked against IP 127.0.0.1
    // Control: the same kind of leaf under an unconstrained CA verifies, so the constraint is what rejects it.
    const old = oldStyleCa();
    assert.equal(await chainResult(leaf(old, 'example.com', [{ type: 2, value: 'example.com' }]), old.certPem), 'ok');
  });

  it('a data dir whose CA lacks the constraint gets a new CA and server certificate, logged at info', async () => {
    const dataDir = tempDataDir();
    const tls = join(dataDir, TLS_DIR_NAME);
    mkdirSync(tls, { recursive: true });
    const old = oldStyleCa();
    const oldServer = leaf(old, 'localhost', [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }]);
    writeFileSync(join(tls, 'ca.pem'), old.certPem);
    writeFileSync(join(tls, 'ca-key.pem'), old.keyPem, { mode: 0o600 });
    writeFileSync(join(tls, 'server.pem'), oldServer.certPem);
    writeFileSync(join(tls, 'server-key.pem'), oldServer.keyPem, { mode: 0o600 });

    const logs: string[] = [];
    const m = ensureTlsMaterial(dataDir, 'h', memoryLogger(logs));
    assert.notEqual(m.caCertPem, old.certPem);
    assert.notEqual(m.serverCertPem, oldServer.certPem);
    assert.equal(readFileSync(join(tls, 'ca.pem'), 'utf8'), m.caCertPem);
    assert.notEqual(readFileSync(join(tls, 'ca-key.pem'), 'utf8'), old.keyPem);
    const line = logs.find((l) => l.startsWith('info Replaced the local hub\'s certificate authority'));
    assert.ok(line, logs.join('\n'));
    assert.ok(line.includes('must trust the new') && line.includes(m.caCertPath), line);
    assert.ok(forge.pki.certificateFromPem(m.caCertPem).extensions.some((e: { id: string; critical: boolean }) => e.id === '2.5.29.30' && e.critical));
    assert.ok(new X509Certificate(m.serverCertPem).verify(new X509Certificate(m.caCertPem).publicKey));
    await verifiesFor(m, 'localhost');

    // Upgraded once: the next start keeps the new CA and says nothing about replacing it.
    const logs2: string[] = [];
    const again = ensureTlsMaterial(dataDir, 'h', memoryLogger(logs2));
    assert.equal(again.caCertPem, m.caCertPem);
    assert.equal(again.serverCertPem, m.serverCertPem);
    assert.deepEqual(logs2, []);
  });
});
