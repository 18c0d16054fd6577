#!/usr/bin/env node
// `npm start`: the main job. Builds the extension and opens the demo workspace (demo/) in a real
// VS Code with the extension loaded from this repository:
//   - desktop VS Code (`code --extensionDevelopmentPath`) when `code` is on PATH;
//   - otherwise code-server on 127.0.0.1 (provisioned on first use); open the printed URL.
// Stays in the foreground until Ctrl-C (or until the desktop window closes).
//
// Options: --code-server        use code-server even if `code` is on PATH
//          --port N             code-server port (default: any free port)
//          --screenshot FILE    open the workbench in headless Chromium, save a PNG, exit
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, launchChromium, makeProfile, repoRoot, startCodeServer, workbenchUrl } from './codeServer.mjs';

const argv = process.argv.slice(2);
const option = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const screenshot = option('--screenshot');
const port = Number(option('--port') ?? 0);
const demoDir = join(repoRoot, 'demo');
// The demo hub's data stays in the checkout (ignored by git) so devices and keys survive restarts.
const demoHubDir = join(repoRoot, '.demo-hub');
const hubEnv = { IOT_HUB_LOCAL_DATA_DIR: demoHubDir };

/**
 * On the first run, registers the devices the demo's message files name, so the Hubs view shows a
 * hub with devices in it (the hub CLI opens the data dir directly when no hub runs on it).
 */
function prepareDemoHub() {
  const marker = join(demoHubDir, '.demo-devices-created');
  mkdirSync(demoHubDir, { recursive: true });
  if (existsSync(marker)) {
    console.log(`demo hub data: ${demoHubDir} (kept between runs; delete the folder to start afresh)`);
    return;
  }
  const ids = new Set();
  for (const name of readdirSync(demoDir).filter((n) => n.endsWith('.iotmsg.json'))) {
    for (const m of readFileSync(join(demoDir, name), 'utf8').matchAll(/"deviceId"\s*:\s*"([^"]+)"/g)) ids.add(m[1]);
  }
  for (const id of ids) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'hub-cli.js'), 'device', 'create', id, '--data-dir', demoHubDir], { encoding: 'utf8' });
    if (r.status === 0) console.log(`demo hub: created device ${id} (named in demo/)`);
    else if (/exists/i.test(r.stderr)) console.log(`demo hub: device ${id} already exists`);
    else { console.error(`demo hub: could not create device ${id}: ${r.stderr.trim()}`); return; }
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

/**
 * The extension starts the local hub itself (iotHubMessaging.localHub.autoStart) in a child process
 * whose data dir is .demo-hub/ (IOT_HUB_LOCAL_DATA_DIR) or the profile's global storage; find its connection.json and print the
 * endpoints so the terminal shows how to connect a device.
 */
function findConnectionFile(dir, depth = 0) {
  if (depth > 8 || !existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isFile() && entry.name === 'connection.json' && dir.endsWith('local-hub')) return p;
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      const found = findConnectionFile(p, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

async function reportLocalHub(profileBase, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const demoFile = join(demoHubDir, 'connection.json');
    const file = existsSync(demoFile) ? demoFile : findConnectionFile(profileBase);
    if (file) {
      try {
        const info = JSON.parse(readFileSync(file, 'utf8'));
        console.log('\nThe extension started the local IoT Hub:');
        console.log(`  MQTT (TLS):         ${info.mqtt.url}`);
        console.log(`  HTTPS API:          ${info.api.url}`);
        if (info.amqp) console.log(`  Event Hubs (AMQP):  amqp://localhost:${info.amqp.port}`);
        console.log(`  CA certificate:     ${info.caCertPath}`);
        console.log(`  Create a device:    node dist/hub-cli.js device create my-device --data-dir '${info.dataDir}'`);
        console.log('                      (or "IoT Hub: Create Device on Local Hub" in VS Code)');
        return info;
      } catch {
        // being written; try again
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`\nThe local hub did not report within ${timeoutMs / 1000} s; see the "IoT Hub Messaging" output channel in VS Code.`);
  return undefined;
}

function hasDesktopCode() {
  return spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).status === 0;
}

const stopFns = [];
let stopping;
function stopAll() {
  stopping ??= (async () => {
    for (const fn of stopFns.splice(0).reverse()) await fn().catch((e) => console.error(e));
  })();
  return stopping;
}
process.on('SIGINT', () => { void stopAll().then(() => process.exit(0)); });
process.on('SIGTERM', () => { void stopAll().then(() => process.exit(0)); });

async function runDesktop() {
  console.log(`opening ${demoDir} in desktop VS Code with the extension from ${repoRoot}`);
  const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, '--wait', demoDir], { stdio: 'inherit', env: { ...process.env, ...hubEnv } });
  stopFns.push(async () => { child.kill(); });
  await new Promise((resolve) => child.on('exit', resolve));
}

async function runCodeServer() {
  const profile = makeProfile({ workspaceSource: demoDir, openInPlace: true, prefix: 'iothub-start-' });
  stopFns.push(async () => profile.remove());
  const server = await startCodeServer({ profile, port, env: hubEnv });
  stopFns.push(() => server.stop());
  const url = workbenchUrl(server, profile.workspaceDir, { extensionDevelopmentPath: repoRoot });

  if (screenshot) {
    const browser = await launchChromium();
    stopFns.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    const item = page.locator('.activitybar .action-item a[aria-label^="IoT Hub Messaging"]').first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    await page.locator('.sidebar .composite.title').filter({ hasText: /IoT Hub Messaging/i }).waitFor({ timeout: 20_000 });
    // Let extension activation and the view's first render settle.
    await page.locator('.statusbar').getByText('Activating Extensions').waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
    // The status bar item turns to the radio-tower icon once the local hub listens.
    await page.locator('.statusbar-item .codicon-radio-tower').first().waitFor({ state: 'visible', timeout: 60_000 })
      .catch(() => console.error('the local hub did not show as running within 60 s'));
    await reportLocalHub(profile.base, 5_000);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: screenshot });
    console.log(`screenshot saved to ${screenshot}`);
    return;
  }

  console.log('\nVS Code (code-server) is running with the IoT Hub Messaging extension loaded.');
  console.log(`Open this URL in a browser on this machine:\n\n  ${url}\n`);
  console.log('Press Ctrl-C to stop. (The extension starts the local hub when you open the IoT Hub Messaging view.)');
  void reportLocalHub(profile.base, Number.POSITIVE_INFINITY);
  await new Promise((resolve) => server.process.once('exit', resolve));
  console.error('code-server exited');
}

try {
  await build();
  prepareDemoHub();
  if (!screenshot && !argv.includes('--code-server') && hasDesktopCode()) await runDesktop();
  else await runCodeServer();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  await stopAll();
}
