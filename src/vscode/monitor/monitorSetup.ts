// The questions *Start Monitoring D2C Messages* asks: which devices (from the palette), which
// consumer group (or a new one; a note when $Default may be shared with a back end), and where
// to start (now by default). Each step can be cancelled with Escape and changes nothing.
import * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';
import type { MonitorScope } from '../../monitor/monitorFilter';
import { parseDuration, parsePointInTime, type StartChoice } from '../../monitor/startPosition';
import { pickDevice } from '../hubs/pickers';
import { errorText } from '../../core/errorText';

const TITLE = 'Start Monitoring D2C Messages';

export async function askScope(hub: HubConnection): Promise<MonitorScope | undefined> {
  const pick = await vscode.window.showQuickPick([
    { label: 'All devices', choice: 'hub' as const },
    { label: 'One device...', choice: 'device' as const },
    { label: 'Devices matching a pattern...', description: '* and ? wildcards, e.g. sim-*', choice: 'pattern' as const },
  ], { title: `${TITLE}: which devices?` });
  if (!pick) return undefined;
  if (pick.choice === 'hub') return { kind: 'hub' };
  if (pick.choice === 'device') {
    const deviceId = await pickDevice(hub, { title: `${TITLE}: device` });
    return deviceId === undefined ? undefined : { kind: 'device', deviceId };
  }
  const pattern = await vscode.window.showInputBox({
    title: `${TITLE}: device pattern`,
    prompt: '* matches any run of characters, ? one character; the whole id must match (case-sensitive)',
    placeHolder: 'sim-*',
    validateInput: (v) => (v.trim() === '' ? 'Type a device id or a pattern' : undefined),
  });
  return pattern === undefined ? undefined : { kind: 'pattern', pattern: pattern.trim() };
}

export async function askConsumerGroup(hub: HubConnection): Promise<string | undefined> {
  let groups: string[];
  try {
    groups = await hub.listConsumerGroups();
  } catch {
    groups = ['$Default'];
  }
  const create = '\u0000create';
  const items: Array<vscode.QuickPickItem & { value: string }> = groups.map((g) => ({
    label: g,
    value: g,
    ...(g.toLowerCase() === '$default' ? { detail: 'A back end may read $Default too: two readers of one group each see every message, but Azure allows 5 readers per partition and group. A group of your own is safer.' } : {}),
  }));
  if (hub.capabilities.manageConsumerGroups) items.push({ label: '$(add) Create Consumer Group...', value: create, alwaysShow: true });
  const pick = await vscode.window.showQuickPick(items, { title: `${TITLE}: consumer group`, placeHolder: 'The Event Hubs consumer group to read through' });
  if (!pick) return undefined;
  if (pick.value !== create) return pick.value;
  const name = await vscode.window.showInputBox({
    title: `${TITLE}: new consumer group`,
    value: 'vscode-monitor',
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/.test(v.trim()) ? undefined : 'Letters, digits, . _ -, at most 50 characters, starting with a letter or digit'),
  });
  if (name === undefined) return undefined;
  try {
    await hub.createConsumerGroup(name.trim());
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not create consumer group '${name.trim()}': ${errorText(e)}`);
    return undefined;
  }
  return name.trim();
}

export async function askStart(): Promise<StartChoice | undefined> {
  const pick = await vscode.window.showQuickPick([
    { label: 'Now', description: 'only messages sent from now on', choice: 'now' as const },
    { label: 'Earliest retained message', description: 'everything the hub still keeps', choice: 'earliest' as const },
    { label: 'A time ago...', description: 'e.g. 5m, 2h, 1d', choice: 'ago' as const },
    { label: 'A point in time...', description: 'ISO 8601 with a zone', choice: 'time' as const },
  ], { title: `${TITLE}: start from` });
  if (!pick) return undefined;
  switch (pick.choice) {
    case 'now':
    case 'earliest':
      return { kind: pick.choice };
    case 'ago': {
      const text = await vscode.window.showInputBox({
        title: `${TITLE}: how long ago?`, value: '5m', prompt: 'A number and a unit: s, m, h or d',
        validateInput: (v) => (parseDuration(v) === undefined ? 'e.g. 90s, 5m, 2h, 1d' : undefined),
      });
      const ms = text === undefined ? undefined : parseDuration(text);
      return ms === undefined ? undefined : { kind: 'ago', ms };
    }
    case 'time': {
      const text = await vscode.window.showInputBox({
        title: `${TITLE}: from when?`, value: new Date(Date.now() - 3_600_000).toISOString(),
        validateInput: (v) => (parsePointInTime(v) === undefined ? 'e.g. 2026-12-07T14:00:00Z (a zone is required)' : undefined),
      });
      const at = text === undefined ? undefined : parsePointInTime(text);
      return at === undefined ? undefined : { kind: 'time', at };
    }
  }
}
