// Documentation for completion and hover comes from the shipped JSON Schema, so the schema, the
// editor and docs/message-files.md cannot drift apart.
import schema from '../../../schemas/iotmsg.schema.json';
import type { FileSystemPropertyName, MessageField } from './messageFile';

interface PropertySchema {
  description?: string;
  enum?: string[];
  enumDescriptions?: string[];
}

const messageProps = schema.definitions.message.properties as Record<string, PropertySchema>;
const systemProps = schema.definitions.systemProperties.properties as Record<string, PropertySchema>;

export function messageFieldDoc(field: MessageField): string {
  return messageProps[field]?.description ?? '';
}

export function systemPropertyDoc(name: FileSystemPropertyName): string {
  return systemProps[name]?.description ?? '';
}

export function enumDocs(kind: 'direction' | 'ack'): Array<{ value: string; description: string }> {
  const s = kind === 'direction' ? messageProps['direction'] : systemProps['ack'];
  return (s?.enum ?? []).map((value, i) => ({ value, description: s?.enumDescriptions?.[i] ?? '' }));
}
