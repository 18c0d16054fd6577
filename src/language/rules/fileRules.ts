// Rules about the message FILE itself (JSON syntax and the shape the schema describes), as
// opposed to the message rules in src/core/message/rules.ts that the hub and the inspector share.
// Codes IOT9nn are reserved for these so they never collide with the core's IOT1nn codes.
import type { Severity } from '../../core/message/problems';

export type FileRuleId =
  | 'json-syntax'
  | 'not-a-message'
  | 'missing-direction'
  | 'invalid-direction'
  | 'wrong-type'
  | 'unknown-property'
  | 'invalid-ttl'
  | 'expiry-and-ttl'
  | 'invalid-base64'
  | 'duplicate-key'
  | 'unreadable-file'
  | 'binary-file'
  | 'not-checked';

export interface FileRuleInfo {
  code: string;
  severity: Severity;
  title: string;
  description: string;
}

export const FILE_RULES: Readonly<Record<FileRuleId, FileRuleInfo>> = {
  'json-syntax': {
    code: 'IOT901', severity: 'error', title: 'Malformed JSON',
    description: 'The file is not valid JSON (comments and trailing commas are not allowed either).',
  },
  'not-a-message': {
    code: 'IOT902', severity: 'error', title: 'Not a message',
    description: 'A message file holds one message object or a non-empty array of message objects.',
  },
  'missing-direction': {
    code: 'IOT903', severity: 'error', title: 'Missing direction',
    description: 'Every message needs "direction": "d2c" (device-to-cloud) or "c2d" (cloud-to-device); the limits and character rules depend on it.',
  },
  'invalid-direction': {
    code: 'IOT904', severity: 'error', title: 'Unknown direction',
    description: 'direction must be "d2c" or "c2d".',
  },
  'wrong-type': {
    code: 'IOT905', severity: 'error', title: 'Wrong JSON type',
    description: 'The value has the wrong JSON type (for example a number where IoT Hub carries a string).',
  },
  'unknown-property': {
    code: 'IOT906', severity: 'error', title: 'Unknown property',
    description: 'The property is not part of the message file format; it would be ignored when sending.',
  },
  'invalid-ttl': {
    code: 'IOT907', severity: 'error', title: 'Invalid ttl',
    description: 'ttl is days, hours, minutes and seconds in that order, e.g. "1h", "30m", "90s", "1h30m", "2d".',
  },
  'expiry-and-ttl': {
    code: 'IOT908', severity: 'error', title: 'Both expiryTimeUtc and ttl',
    description: 'Set the expiry either as an absolute expiryTimeUtc or as a relative ttl, not both.',
  },
  'invalid-base64': {
    code: 'IOT909', severity: 'error', title: 'Invalid base64 body',
    description: 'A {"base64": ...} body must hold strict base64, as any encoder writes it: A-Z a-z 0-9 + /, whole 4-character groups padded with =, no whitespace. Looser text loses bytes unseen when decoded.',
  },
  'duplicate-key': {
    code: 'IOT910', severity: 'error', title: 'Duplicate key',
    description: 'The same key appears twice in one object; JSON readers keep only the last one.',
  },
  'unreadable-file': {
    code: 'IOT911', severity: 'error', title: 'Unreadable file',
    description: 'The file could not be read (missing, a directory, or no permission).',
  },
  'binary-file': {
    code: 'IOT912', severity: 'error', title: 'Not a text file',
    description: 'The file is not UTF-8 text (it holds NUL bytes or invalid UTF-8), so it cannot be a message file.',
  },
  'not-checked': {
    code: 'IOT913', severity: 'error', title: 'Could not be checked',
    description: 'Checking the file failed (for example malformed JSON nested too deeply to analyse); the message says why.',
  },
};
