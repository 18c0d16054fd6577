// Injected into the CommonJS Node bundles (scripts/build.mjs): ESM-only dependencies such as
// tinyglobby's fdir call createRequire(import.meta.url), which is empty in CommonJS; `import.meta.url`
// is defined as this: the bundle file's own URL.
import { pathToFileURL } from 'node:url';

export const __bundleFileUrl = pathToFileURL(__filename).href;
