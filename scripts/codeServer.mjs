// Starting code-server (a real VS Code) and Chromium for tests (test/launcher) and for `npm start`.
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './ensure-code-server.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** User settings for a throwaway profile: no trust prompt, no telemetry, nothing that pops up. */
export const PROFILE_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.commandCenter.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'window.restoreWindows': 'none',
};

/** Test windows run their own local hub on free ports, so runs never collide with each other or a user's hub. */
export const TEST_WORKSPACE_SETTINGS = {
  'iotHubMessaging.localHub.mqttPort': 0,
  'iotHubMessaging.localHub.apiPort': 0,
  'iotHubMessaging.localHub.amqpPort': 0,
  // Not IoT Hub's 5671 and 443: a test window's hub must not take them from other runs (or from
  // test/unit/service/standardPorts.test.ts), and free ports show the settings reach the hub.
  'iotHubMessaging.localHub.servicePort': 0,
  'iotHubMessaging.localHub.httpsPort': 0,
};

/**
 * A throwaway VS Code profile and workspace: <tmp>/{user,ext,ws}. The workspace is a fresh copy
 * of `workspaceSource` (default demo/) so tests may write into it freely, unless `openInPlace`.
 */
export function makeProfile({ workspaceSource = join(repoRoot, 'demo'), openInPlace = false, prefix = 'iothub-vsc-', settings = {}, workspaceSettings } = {}) {
  // Short base path: code-server puts a unix socket in the user-data-dir (108-byte limit).
  const base = mkdtempSync(join(tmpdir(), prefix));
  const userDataDir = join(base, 'user');
  const extensionsDir = join(base, 'ext');
  // openInPlace: open workspaceSource itself (npm start: the user's edits to demo/ persist).
  const workspaceDir = openInPlace ? workspaceSource : join(base, 'ws');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  if (!openInPlace && existsSync(workspaceSource)) cpSync(workspaceSource, workspaceDir, { recursive: true });
  else mkdirSync(workspaceDir, { recursive: true });
  // Workspace settings do apply in a development host (user settings do not, see below).
  if (workspaceSettings) {
    mkdirSync(join(workspaceDir, '.vscode'), { recursive: true });
    const file = join(workspaceDir, '.vscode', 'settings.json');
    // demo/.vscode/settings.json is JSON with comments; keep its settings and add ours.
    const existing = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '')) : {};
    writeFileSync(file, JSON.stringify({ ...existing, ...workspaceSettings }, null, 2));
  }
  const all = { ...PROFILE_SETTINGS, ...settings };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(all, null, 2));
  // Note: with an extensionDevelopmentPath payload the web workbench keeps development-host user
  // data apart and does not apply these (the theme stays the web default, Light+); trust is off
  // through the server flag, and UI tests switch themes with the harness's setTheme.
  return { base, userDataDir, extensionsDir, workspaceDir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * Starts code-server on 127.0.0.1 (port 0 = any free port unless `port` is given).
 * Resolves once it listens. `stop()` ends it and its whole process group.
 */
export async function startCodeServer({ profile, port = 0, env = {}, logFile, onLog } = {}) {
  const entry = await ensureCodeServer();
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--config', join(profile.base, 'config.yaml'),
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    profile.workspaceDir,
  ];
  const child = spawn(process.execPath, args, {
    cwd: profile.base,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() also ends the extension host and friends
  });
  let log = '';
  const onData = (chunk) => {
    const text = chunk.toString();
    log += text;
    if (logFile) appendFileSync(logFile, text);
    if (onLog) for (const l of text.split('\n')) if (l.trim()) onLog(l);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const gone = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
    await gone;
    clearTimeout(timer);
    // The extension host may outlive the server briefly; make sure the group is gone.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const killSync = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${log}`)), 60_000);
    const check = () => {
      const m = /HTTP server listening on (http:\/\/[\d.]+:\d+)\/?/.exec(log);
      if (m) { clearTimeout(timer); child.stdout.off('data', check); resolve(m[1]); }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}) before listening:\n${log}`)); });
  });
  const origin = new URL(url);
  return { url, port: Number(origin.port), process: child, stop, killSync, log: () => log };
}

/** The workbench URL that opens `folder` with the given extension development/test payload. */
export function workbenchUrl(server, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  let u = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload.length > 0) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return u;
}

/** Launches headless Debian Chromium through playwright-core. */
export async function launchChromium({ headless = true } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless, args: CHROMIUM_ARGS });
}

/** Runs `node scripts/build.mjs` and rejects on failure. */
export function build(extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), ...extraArgs], { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build failed (exit ${code})`))));
  });
}
