// Documentation for completion and hover comes from the shipped JSON Schema, so the schema, the
// editor and docs/message-files.md cannot drift apart.
import schema from '../../../schemas/iotmsg.schema.json';
import type { FileSystemPropertyName, MessageField } from './messageFile';

interface PropertySchema {
  description?: string;
  enum?: string[];
  enumDescriptions?: string[];
  /** ack lists its values as `examples`, not `enum`: the core rule IOT110 reports a wrong value, so the schema must not report it again. */
  examples?: string[];
  exampleDescriptions?: string[];
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
  const values = s?.enum ?? s?.examples ?? [];
  const docs = s?.enumDescriptions ?? s?.exampleDescriptions ?? [];
  return values.map((value, i) => ({ value, description: docs[i] ?? '' }));
}
