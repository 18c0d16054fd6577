// The local hub's TLS material: a private certificate authority generated on first start and kept
// in the data dir (so a device or tool told to trust `ca.pem` once keeps trusting it across
// restarts), and a server certificate signed by it that is valid only for the loopback names
// localhost, 127.0.0.1 and ::1. The CA itself carries critical Name Constraints for those names, so
// its key (readable by anyone who can read the data dir) cannot vouch for any other site to a
// machine that trusts ca.pem. node-forge builds the certificates (pure JS, no openssl binary); RSA
// keys come from Node's crypto, which is much faster than forge's JS key generation.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import forge from 'node-forge';
import { writeFileAtomicSync } from '../state/atomicWrite';
import type { HubLogger } from '../contracts';

export const TLS_DIR_NAME = 'tls';
const CA_CERT = 'ca.pem';
const CA_KEY = 'ca-key.pem';
const SERVER_CERT = 'server.pem';
const SERVER_KEY = 'server-key.pem';

const CA_VALIDITY_YEARS = 10;
const SERVER_VALIDITY_DAYS = 825;
/** Renew the server certificate when it has less than this left. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** The only names the server certificate is valid for: the hub is a loopback service. */
export const SERVER_DNS_NAMES: readonly string[] = ['localhost'];
export const SERVER_IP_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];

export interface TlsMaterial {
  /** Absolute path of the CA certificate devices and tools should trust. */
  caCertPath: string;
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const NAME_CONSTRAINTS_OID = '2.5.29.30';
const GENERAL_NAME_DNS = 2;
const GENERAL_NAME_IP = 7;

/**
 * DER of NameConstraints (RFC 5280 4.2.1.10) permitting only the server's names; forge cannot encode
 * it itself. An IP subtree is address followed by mask: all ones, i.e. exactly that host.
 */
function nameConstraintsDer(): string {
  const { asn1 } = forge;
  const subtree = (tag: number, bytes: string): forge.asn1.Asn1 =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, bytes)]);
  const ipSubtree = (ip: string): forge.asn1.Asn1 => {
    // forge has bytesFromIP (its own subjectAltName `ip` uses it) but @types/node-forge omits it.
    const address = (forge.util as unknown as { bytesFromIP(ip: string): string }).bytesFromIP(ip);
    return subtree(GENERAL_NAME_IP, address + '\xff'.repeat(address.length));
  };
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
    ...SERVER_DNS_NAMES.map((name) => subtree(GENERAL_NAME_DNS, name)),
    ...SERVER_IP_ADDRESSES.map(ipSubtree),
  ]);
  return asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted])).getBytes();
}

const NAME_CONSTRAINTS = nameConstraintsDer();

/** True when the CA has exactly our critical Name Constraints (CAs from before they existed do not). */
function caHasNameConstraints(caCertPem: string): boolean {
  const extensions = forge.pki.certificateFromPem(caCertPem).extensions as Array<{ id?: string; critical?: boolean; value?: unknown }>;
  const ext = extensions.find((e) => e.id === NAME_CONSTRAINTS_OID);
  return ext?.critical === true && ext.value === NAME_CONSTRAINTS;
}

function newRsaKeyPem(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

function serialNumber(): string {
  // Positive 128-bit serial (leading nibble below 8 keeps the DER integer positive).
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** Writes a private key readable by the owner only (mode 0600, also when the file existed). */
function writePrivate(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function writeAtomically(file: string, content: string, mode: number): void {
  writeFileAtomicSync(file, content, { mode });
}

function createCa(dir: string, hubName: string): { certPem: string; keyPem: string } {
  const keys = newRsaKeyPem();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime());
  cert.validity.notAfter.setFullYear(now.getFullYear() + CA_VALIDITY_YEARS);
  const subject = [
    { name: 'commonName', value: `IoT Hub Local CA (${hubName}, ${now.toISOString().slice(0, 10)})` },
    { name: 'organizationName', value: 'iot-hub-local' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { id: NAME_CONSTRAINTS_OID, critical: true, value: NAME_CONSTRAINTS },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  // Key first: a crash between the two writes leaves no certificate without its key.
  writePrivate(path.join(dir, CA_KEY), keys.privatePem);
  writeAtomically(path.join(dir, CA_CERT), certPem, 0o644);
  return { certPem, keyPem: keys.privatePem };
}

function createServerCert(dir: string, caCertPem: string, caKeyPem: string): { certPem: string; keyPem: string } {
  const keys = newRsaKeyPem();
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(Math.min(now + SERVER_VALIDITY_DAYS * 24 * 3600 * 1000, caCert.validity.notAfter.getTime()));
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...SERVER_DNS_NAMES.map((value) => ({ type: 2, value })),
        ...SERVER_IP_ADDRESSES.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(caKeyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writePrivate(path.join(dir, SERVER_KEY), keys.privatePem);
  writeAtomically(path.join(dir, SERVER_CERT), certPem, 0o644);
  return { certPem, keyPem: keys.privatePem };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** True when `certPem` is signed by `caCertPem`, still valid for a while, and for exactly our names. */
function serverCertUsable(certPem: string, caCertPem: string, now: number): boolean {
  try {
    const ca = forge.pki.certificateFromPem(caCertPem);
    const cert = forge.pki.certificateFromPem(certPem);
    if (!ca.verify(cert)) return false;
    return cert.validity.notAfter.getTime() - now > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/**
 * Loads the CA and server certificate from `DATA_DIR/tls`, creating whatever is missing (or
 * renewing the server certificate when it no longer matches the CA or is about to expire). A CA
 * without our Name Constraints (made by an older version) is replaced, and so is its server certificate.
 * Private keys are written with mode 0600 and re-restricted on every start.
 */
export function ensureTlsMaterial(dataDir: string, hubName: string, log: HubLogger): TlsMaterial {
  const dir = path.join(dataDir, TLS_DIR_NAME);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let caCertPem = readIfExists(path.join(dir, CA_CERT));
  let caKeyPem = readIfExists(path.join(dir, CA_KEY));
  if (caCertPem === undefined || caKeyPem === undefined) {
    log.info(`Creating the local hub's certificate authority in ${dir}`);
    ({ certPem: caCertPem, keyPem: caKeyPem } = createCa(dir, hubName));
  } else if (!caHasNameConstraints(caCertPem)) {
    // The server certificate is reissued below: the old one no longer verifies with the new CA.
    ({ certPem: caCertPem, keyPem: caKeyPem } = createCa(dir, hubName));
    log.info(`Replaced the local hub's certificate authority in ${dir} with one restricted to localhost, 127.0.0.1 and ::1 (Name Constraints); devices and tools that trusted the old CA must trust the new ${path.join(dir, CA_CERT)}`);
  } else {
    fs.chmodSync(path.join(dir, CA_KEY), 0o600);
  }
  let serverCertPem = readIfExists(path.join(dir, SERVER_CERT));
  let serverKeyPem = readIfExists(path.join(dir, SERVER_KEY));
  if (serverCertPem === undefined || serverKeyPem === undefined || !serverCertUsable(serverCertPem, caCertPem, Date.now())) {
    log.info('Issuing the hub server certificate (localhost, 127.0.0.1, ::1)');
    ({ certPem: serverCertPem, keyPem: serverKeyPem } = createServerCert(dir, caCertPem, caKeyPem));
  } else {
    fs.chmodSync(path.join(dir, SERVER_KEY), 0o600);
  }
  return { caCertPath: path.join(dir, CA_CERT), caCertPem, serverCertPem, serverKeyPem };
}
