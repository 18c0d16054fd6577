// An ESLint plugin with one rule, `layers/imports`: the repository's layering, checked on every
// import (static, re-export, import(), require()) by resolving relative paths against the file.
//   src/core      imports nothing of ours outside src/core, and never `vscode`;
//   src/hub       never imports `vscode`, src/vscode, src/language or src/inspector;
//   webview       never imports Node modules or `vscode` (it runs in a browser page).
// Command ids shared by the language server and the extension live in src/language/protocol.ts:
// that is a no-restricted-syntax rule in eslint.config.mjs.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const root = dirname(import.meta.dirname);

/** Where a file sits: its path relative to the repository, with forward slashes. */
function repoPath(file) {
  return relative(root, file).split('\\').join('/');
}

function isNodeModule(spec) {
  return spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
}

/** The layer rules for a file, or undefined when none applies. */
export function layerOf(file) {
  const p = repoPath(file);
  if (p.startsWith('src/core/')) return { name: 'src/core', check: (target, spec) => (target === undefined ? (spec === 'vscode' ? 'src/core never imports vscode' : undefined) : target.startsWith('src/core/') ? undefined : `src/core imports nothing of ours outside src/core (not ${target})`) };
  if (p.startsWith('src/hub/')) {
    return {
      name: 'src/hub',
      check: (target, spec) => {
        if (target === undefined) return spec === 'vscode' ? 'the hub never imports vscode (it runs as its own process)' : undefined;
        const banned = ['src/vscode/', 'src/language/', 'src/inspector/'].find((d) => target.startsWith(d));
        return banned === undefined ? undefined : `the hub never imports ${banned.slice(0, -1)} (${target})`;
      },
    };
  }
  if (p.startsWith('webview/')) {
    return {
      name: 'webview',
      check: (target, spec) => {
        if (target !== undefined) return undefined;
        if (spec === 'vscode') return 'the webview never imports vscode (it runs in a browser page)';
        return isNodeModule(spec) ? `the webview never imports Node modules (${spec}): it runs in a browser page` : undefined;
      },
    };
  }
  return undefined;
}

const importsRule = {
  meta: { type: 'problem', docs: { description: 'Enforces the layering of src/core, src/hub and webview.' }, schema: [] },
  create(context) {
    const layer = layerOf(context.filename);
    if (layer === undefined) return {};
    const check = (node) => {
      if (node === null || node === undefined || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const spec = node.value;
      const target = spec.startsWith('.') ? repoPath(resolve(dirname(context.filename), spec)) + (spec.endsWith('/') ? '/' : '') : undefined;
      const problem = layer.check(target, spec);
      if (problem !== undefined) context.report({ node, message: problem });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require') check(n.arguments[0]);
      },
    };
  },
};

export default { meta: { name: 'layers' }, rules: { imports: importsRule } };
