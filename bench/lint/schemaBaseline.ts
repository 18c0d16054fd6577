// The baseline the linter is measured against: plain JSON.parse plus JSON Schema validation of
// each file with vscode-json-languageservice (what VS Code does for any JSON file with a schema).
// Run as its own process over the same files as the linter: `schemaBaseline <schema> <files...>`
// or `schemaBaseline <schema> --list <file with one path per line>`.
import { readFileSync } from 'node:fs';
import { getLanguageService, type JSONSchema, type LanguageService } from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';

export function createSchemaValidator(schema: JSONSchema): (uri: string, text: string) => Promise<number> {
  const ls: LanguageService = getLanguageService({});
  return async (uri, text) => {
    try { JSON.parse(text); } catch { /* counted by the schema validation's syntax errors too */ }
    const doc = TextDocument.create(uri, 'json', 1, text);
    const diags = await ls.doValidation(doc, ls.parseJSONDocument(doc), { comments: 'error', trailingCommas: 'error' }, schema);
    return diags.length;
  };
}

async function main(): Promise<void> {
  const [schemaPath, ...rest] = process.argv.slice(2);
  if (!schemaPath) throw new Error('usage: schemaBaseline <schema> <files...> | --list <file>');
  const files = rest[0] === '--list' ? readFileSync(rest[1] ?? '', 'utf8').split('\n').filter(Boolean) : rest;
  const validate = createSchemaValidator(JSON.parse(readFileSync(schemaPath, 'utf8')) as JSONSchema);
  let problems = 0;
  for (const f of files) problems += await validate(`file://${f}`, readFileSync(f, 'utf8'));
  process.stdout.write(`${JSON.stringify({ files: files.length, problems })}\n`);
}

if (process.argv[1]?.endsWith('schemaBaseline.js')) void main();
