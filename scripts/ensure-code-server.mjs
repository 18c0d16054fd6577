// Provisions code-server (the VS Code server, a real VS Code whose extension host is the ordinary
// Node one) into <repo>/.cache/code-server, outside the project's own dependencies, so a plain
// `npm ci` stays light. Reused between runs; safe to call from several processes at once.
//
// Offline detail: code-server's nested `@vscode/ripgrep` downloads rg from GitHub in its install
// script. That script first looks for a cached archive in $TMPDIR, so we put Debian's `rg` there.
//
// Usage: node scripts/ensure-code-server.mjs        (prints the entry point path)
//        import { ensureCodeServer } from './ensure-code-server.mjs'
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync, copyFileSync, chmodSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// Pinned by code-server 4.100.3's lib/vscode/npm-shrinkwrap.json; its postinstall asks for rg v13.0.0-10.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const codeServerDir = process.env.IOT_HUB_CODE_SERVER_DIR ?? join(root, '.cache', 'code-server');
const packageDir = join(codeServerDir, 'node_modules', 'code-server');
const entryPoint = join(packageDir, 'out', 'node', 'entry.js');
const marker = join(codeServerDir, `.provisioned-${CODE_SERVER_VERSION}`);
const lockDir = join(codeServerDir, '.lock');

/** Path of code-server's Node entry point (run it with this Node), provisioning first if needed. */
export async function ensureCodeServer({ quiet = false } = {}) {
  const say = (m) => { if (!quiet) console.log(`[code-server] ${m}`); };
  if (isProvisioned()) return entryPoint;
  mkdirSync(codeServerDir, { recursive: true });
  await withLock(async () => {
    if (isProvisioned()) return; // another process finished while we waited
    checkPrerequisites();
    const started = Date.now();
    say(`installing code-server@${CODE_SERVER_VERSION} into ${codeServerDir} (one time, a few minutes)`);
    const tmp = join(codeServerDir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    seedRipgrepCache(tmp);
    writeFileSync(join(codeServerDir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }, null, 2));
    rmSync(marker, { force: true });
    const env = {
      ...process.env,
      TMPDIR: tmp,
      npm_config_yes: 'true', // a nested `npx node-gyp` would otherwise prompt
      npm_config_unsafe_perm: 'true',
      npm_config_ignore_scripts: 'false', // code-server is nothing without its install scripts
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_update_notifier: 'false',
    };
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const code = await run(npm, ['install', `code-server@${CODE_SERVER_VERSION}`, '--unsafe-perm', '--no-save', '--no-package-lock'], codeServerDir, env, quiet);
    if (code !== 0) throw new Error(`npm install code-server@${CODE_SERVER_VERSION} failed (exit ${code}); see the output above`);
    verifyInstall();
    writeFileSync(marker, `${new Date().toISOString()} ${Math.round((Date.now() - started) / 1000)}s\n`);
    say(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  return entryPoint;
}

function isProvisioned() {
  return existsSync(marker) && existsSync(entryPoint);
}

function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} (the last line that accepts Node 20) installs only under Node 20; this is Node ${process.versions.node}.`);
  }
  const missing = [];
  if (!which('rg')) missing.push('ripgrep');
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !which('krb5-config')) missing.push('libkrb5-dev');
  if (!which('make') || !(which('g++') || which('c++'))) missing.push('build-essential');
  if (!which('python3')) missing.push('python3');
  if (missing.length > 0) {
    throw new Error(`code-server needs system packages to build its native modules: apt-get install -y ${missing.join(' ')}`);
  }
}

/** Puts Debian's rg where @vscode/ripgrep's install script looks before downloading. */
function seedRipgrepCache(tmp) {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[arch()];
  if (!target) throw new Error(`no ripgrep cache recipe for architecture ${arch()}`);
  const cacheDir = join(tmp, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = join(cacheDir, `ripgrep-${RIPGREP_RELEASE}-${target}.tar.gz`);
  if (existsSync(archive) && statSync(archive).size > 0) return;
  const staging = join(tmp, 'rg-staging');
  mkdirSync(staging, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(which('rg'), join(staging, 'rg'));
  chmodSync(join(staging, 'rg'), 0o755);
  const r = spawnSync('tar', ['-czf', archive, '-C', staging, 'rg'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not build the ripgrep cache archive');
}

function verifyInstall() {
  const vscodeDir = join(packageDir, 'lib', 'vscode');
  const needed = [
    entryPoint,
    join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    join(vscodeDir, 'node_modules.asar'),
    // Native modules built by install scripts (proves they ran: npm must not have skipped them).
    join(vscodeDir, 'node_modules', 'kerberos', 'build', 'Release', 'kerberos.node'),
    join(vscodeDir, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node'),
    join(vscodeDir, 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
  ];
  for (const f of needed) {
    if (!existsSync(f)) throw new Error(`code-server install is incomplete: ${f} is missing (did its install scripts run?)`);
  }
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  if (version !== CODE_SERVER_VERSION) throw new Error(`expected code-server ${CODE_SERVER_VERSION}, found ${version}`);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function run(cmd, args, cwd, env, quiet) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** A directory lock (mkdir is atomic); a lock left by a dead process is taken over. */
async function withLock(fn) {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try { holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being written */ }
      if (Number.isInteger(holder) && !isAlive(holder)) { rmSync(lockDir, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(await ensureCodeServer());
  } catch (e) {
    console.error(`[code-server] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
