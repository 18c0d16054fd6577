// Checks the Event Hubs-compatible connection string a user gives for an Azure IoT Hub's telemetry
// (Azure portal > your IoT Hub > Built-in endpoints), before anything is stored: the message says
// what is wrong and never shows the key. Plain Node (the Set Telemetry Endpoint command uses it as
// the input box's live check and again on a given value).
import { parseConnectionString } from '../../core/auth/connectionString';
import { isBase64Key } from '../../core/base64';
import { errorText } from '../../core/errorText';

/** Why `text` is not an Event Hubs-compatible connection string, or undefined when it is one. */
export function eventHubsConnectionStringProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Paste the Event Hubs-compatible connection string (Azure portal > your IoT Hub > Built-in endpoints).';
  let f: Record<string, string>;
  try {
    f = parseConnectionString(trimmed);
  } catch (e) {
    return errorText(e);
  }
  if (f['HostName'] !== undefined) {
    return 'This is an IoT Hub connection string (HostName=...). The Event Hubs-compatible one starts with Endpoint=sb:// (Azure portal > your IoT Hub > Built-in endpoints).';
  }
  for (const k of ['Endpoint', 'SharedAccessKeyName', 'SharedAccessKey', 'EntityPath']) {
    if (f[k] === undefined || f[k].trim() === '') return `The Event Hubs-compatible connection string needs ${k} (Azure portal > your IoT Hub > Built-in endpoints).`;
  }
  if (!/^sb:\/\/[^/\s]+\/?$/i.test(f['Endpoint']!.trim())) return 'Endpoint must be sb://<namespace host>/ (for example sb://ihsuprodxx.servicebus.windows.net/).';
  if (!isBase64Key(f['SharedAccessKey']!.trim())) return 'SharedAccessKey is not a base64 key (copy it whole from the portal).';
  return undefined;
}
