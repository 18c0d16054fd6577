// Runs the local hub as a child process (never inside the extension host) and tracks its state.
// If another window already runs a hub on the same data dir, this window attaches to it, and
// watches that hub (its pid and connection.json, checked every second and whenever the event
// stream drops): when it goes away (the other window closed) this window takes over (starts its
// own on the same data dir, or attaches to whichever window was quicker) or, if told not to,
// shows it stopped, rather than showing "running" over a dead connection.
import { errorText } from '../../core/errorText';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { hostSettingProblem } from '../../hub/bindHost';
import { readRunningHub } from '../../hub/client/connectionFile';
import { LocalHubClient } from '../../hub/client/localHubClient';
import { LocalHubSender, type MessageSender } from '../../hub/client/messageSender';
import type { ConnectionInfoJson } from '../../hub/localHub';
import { redact, type Log } from '../log';
import { hubStartArgs, type LocalHubSettings } from './hubStartArgs';

export type LocalHubStatus =
  | { state: 'stopped' }
  | { state: 'starting' }
  | { state: 'running'; info: ConnectionInfoJson; owned: boolean }
  | { state: 'failed'; message: string };

export type { LocalHubSettings } from './hubStartArgs';

/** The host setting is not one the extension may use (its message names the settings to change). */
export class HostSettingError extends Error {
  override readonly name = 'HostSettingError';
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** How often a window checks that the hub another window started is still there. */
const OTHER_HUB_CHECK_MS = 1_000;
/** Windows taking over at once spread their attempts so one starts and the others attach. */
const TAKE_OVER_JITTER_MS = 400;

export interface LocalHubProcessOptions {
  /** Whether to start a hub of our own when the one another window started goes away (else: stopped). */
  takeOver?: () => boolean;
}

export class LocalHubProcess implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LocalHubStatus>();
  readonly onDidChange = this.changed.event;
  private current: LocalHubStatus = { state: 'stopped' };
  private child: ChildProcess | undefined;
  private starting: Promise<ConnectionInfoJson> | undefined;

  constructor(
    private readonly cliPath: string,
    readonly dataDir: string,
    private readonly log: Log,
    private readonly settings: () => LocalHubSettings,
    private readonly options: LocalHubProcessOptions = {},
  ) {}

  private otherHubTimer: NodeJS.Timeout | undefined;

  /** Watches a hub this window attached to (another window's) while it is the current one. */
  private watchOtherHub(): void {
    if (this.current.state === 'running' && !this.current.owned) {
      this.otherHubTimer ??= setInterval(() => this.checkAttached(), OTHER_HUB_CHECK_MS);
      this.otherHubTimer.unref?.();
    } else if (this.otherHubTimer) {
      clearInterval(this.otherHubTimer);
      this.otherHubTimer = undefined;
    }
  }

  /**
   * Checks that the hub this window attached to still runs (called every second, and by whoever
   * sees its event stream drop). When it is gone, takes over or shows it stopped.
   */
  checkAttached(): void {
    const s = this.current;
    if (s.state !== 'running' || s.owned) return;
    const now = readRunningHub(this.dataDir);
    if (now?.pid === s.info.pid) return;
    this.log.warn(`The local hub another window started (pid ${s.info.pid}) is gone${now ? `; pid ${now.pid} runs it now` : ''}.`);
    this.set({ state: 'stopped' });
    if (now) {
      this.set({ state: 'running', info: now, owned: false });
      return;
    }
    if (this.options.takeOver?.() ?? true) void this.takeOver();
  }

  private async takeOver(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise((r) => setTimeout(r, Math.random() * TAKE_OVER_JITTER_MS));
      if (this.current.state === 'running' || this.current.state === 'starting') return;
      try {
        const info = await this.start();
        const now = this.status;
        this.log.info(`Took over the local hub on ${this.dataDir} (pid ${info.pid}${now.state === 'running' && !now.owned ? ', started by another window' : ''}).`);
        return;
      } catch (e) {
        // Another window may have won the data dir's lock meanwhile: attach to it on the next turn.
        this.log.warn(`Taking over the local hub failed: ${errorText(e)}`);
      }
    }
  }

  get status(): LocalHubStatus {
    return this.current;
  }

  private set(status: LocalHubStatus): void {
    this.current = status;
    if (this.api && (status.state !== 'running' || status.info.pid !== this.api.pid)) this.closeApi();
    this.watchOtherHub();
    this.changed.fire(status);
  }

  private api: { pid: number; client: LocalHubClient; sender: LocalHubSender } | undefined;

  /** A management API client for the running hub (one per hub process, pooled connections). */
  client(): LocalHubClient | undefined {
    return this.connection()?.client;
  }

  /** Sends D2C (as the device, over HTTPS) and C2D through the running hub; undefined when it is not running. */
  sender(): MessageSender | undefined {
    return this.connection()?.sender;
  }

  private connection(): { client: LocalHubClient; sender: LocalHubSender } | undefined {
    if (this.current.state !== 'running') return undefined;
    const { info } = this.current;
    if (this.api?.pid !== info.pid) {
      this.closeApi();
      const ca = readFileSync(info.caCertPath);
      const client = LocalHubClient.fromConnectionString(info.hubConnectionString, { ca });
      this.api = { pid: info.pid, client, sender: new LocalHubSender(client) };
    }
    return this.api;
  }

  private closeApi(): void {
    this.api?.client.close();
    this.api = undefined;
  }

  start(): Promise<ConnectionInfoJson> {
    if (this.current.state === 'running') return Promise.resolve(this.current.info);
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<ConnectionInfoJson> {
    const existing = readRunningHub(this.dataDir);
    if (existing) {
      this.log.info(`Attached to the local hub already running (pid ${existing.pid}) on ${this.dataDir}`);
      this.set({ state: 'running', info: existing, owned: false });
      return existing;
    }
    const s = this.settings();
    // A host the settings do not allow (or the extension could not reach) is a clear error before anything starts.
    const hostProblem = hostSettingProblem(s.host, s.allowRemoteAccess);
    if (hostProblem !== undefined) {
      this.set({ state: 'failed', message: hostProblem });
      throw new HostSettingError(hostProblem);
    }
    this.set({ state: 'starting' });
    const args = hubStartArgs(this.dataDir, s);
    this.log.info(`Starting the local hub: iot-hub-local ${args.join(' ')}`);
    const child = fork(this.cliPath, args, { silent: true, execArgv: [] });
    this.child = child;
    const tail: string[] = [];
    const forward = (level: 'info' | 'warn') => (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (line.trim().length === 0) continue;
        // The tail ends up in a failed-start notification and status: redacted like the log.
        tail.push(redact(line));
        if (tail.length > 20) tail.shift();
        // log.* redacts keys and tokens; the hub prints its connection string on start.
        this.log[level](`[hub] ${line}`);
      }
    };
    child.stdout?.on('data', forward('info'));
    child.stderr?.on('data', forward('warn'));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.current.state === 'running' || this.current.state === 'starting') {
        const why = `The local hub exited (${signal ?? `code ${code}`}).`;
        this.log.warn(why);
        this.set(code === 0 ? { state: 'stopped' } : { state: 'failed', message: `${why} ${tail.slice(-3).join(' ')}` });
      }
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        // The CLI reports a fatal error as one `iot-hub-local: ...` line; show that rather than the log tail.
        const fatal = tail.filter((l) => l.startsWith('iot-hub-local:')).pop()?.slice('iot-hub-local:'.length).trim();
        const message = `The local hub did not start: ${fatal ?? (tail.slice(-5).join(' ') || `exit code ${child.exitCode}`)}`;
        this.set({ state: 'failed', message });
        throw new Error(message);
      }
      const info = readRunningHub(this.dataDir);
      if (info && info.pid === child.pid) {
        this.log.info(`Local hub running: MQTT ${info.mqtt.url}, API ${info.api.url}${info.amqp ? `, Event Hubs amqp://localhost:${info.amqp.port}` : ''}`);
        this.set({ state: 'running', info, owned: true });
        return info;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    const message = `The local hub did not become ready within ${READY_TIMEOUT_MS / 1000} s.`;
    this.set({ state: 'failed', message });
    throw new Error(message);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) {
      if (this.current.state === 'running' && !this.current.owned) {
        this.log.info('Detached from the local hub started by another window (it keeps running).');
      }
      this.set({ state: 'stopped' });
      return;
    }
    this.set({ state: 'stopped' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); }, STOP_TIMEOUT_MS);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      child.kill('SIGTERM'); // the hub drains, fsyncs and releases its data dir lock
    });
    this.child = undefined;
    this.log.info('Local hub stopped.');
  }

  dispose(): void {
    if (this.otherHubTimer) clearInterval(this.otherHubTimer);
    this.otherHubTimer = undefined;
    this.closeApi();
    // SIGTERM lets the hub shut down cleanly on its own after the window closes.
    this.child?.kill('SIGTERM');
    this.child = undefined;
    this.changed.dispose();
  }
}
