// Which addresses the local hub may listen on. The hub itself refuses anything but loopback unless
// remote binding is allowed (--allow-remote). The extension is stricter: it reaches the hub it
// started through `localhost` (the hub's certificate names only localhost), so its `host` setting
// may be a loopback address, or, with remote access allowed, a wildcard address (which includes
// loopback), never one specific network address the extension could not connect through.
import { isIP } from 'node:net';

export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** 0.0.0.0 / :: : every interface, loopback included. */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

export const HOST_SETTING = 'iotHubMessaging.localHub.host';
export const ALLOW_REMOTE_SETTING = 'iotHubMessaging.localHub.allowRemoteAccess';

/** What is wrong with the extension's host setting (given whether remote access is allowed), or undefined. */
export function hostSettingProblem(host: string, allowRemote: boolean): string | undefined {
  const h = host.trim();
  if (h === '') return `The setting ${HOST_SETTING} is empty: set it to 127.0.0.1 (the default), ::1 or localhost.`;
  if (isLoopbackAddress(h)) return undefined;
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  if (isIP(bare) === 0) {
    return `The setting ${HOST_SETTING} is "${h}", which is not an IP address: use a loopback address (127.0.0.1, ::1 or localhost)` +
      `${allowRemote ? ', or 0.0.0.0 / :: to listen on every interface' : ''}.`;
  }
  if (!allowRemote) {
    return `The setting ${HOST_SETTING} is ${h}, which is not a loopback address: the local hub listens only on loopback ` +
      `(127.0.0.1, ::1, localhost) unless ${ALLOW_REMOTE_SETTING} is turned on. Other machines could reach it otherwise.`;
  }
  if (!isWildcardAddress(bare)) {
    return `The setting ${HOST_SETTING} is ${h}: the extension reaches the hub it starts through localhost (its certificate names only localhost), ` +
      'so a single network address would leave it unreachable from this window. Use 0.0.0.0 or :: (every interface, loopback included).';
  }
  return undefined;
}

/** The warning for a hub other machines can reach (the CLI logs it; the extension shows it). */
export function remoteAccessWarning(host: string, plainAmqp: boolean): string {
  const amqp = plainAmqp
    ? ' Its Event Hubs-compatible AMQP endpoint is plain text (no TLS): the SAS tokens of the back ends that connect to it and every D2C message it delivers cross the network unencrypted.'
    : '';
  return `The local hub is listening on ${host}, reachable from other machines. Its TLS certificate is only valid for localhost; anyone with a key can connect.${amqp} Use this only on a trusted network.`;
}
