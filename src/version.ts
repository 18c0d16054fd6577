// The product version, read from package.json at build time (one place; the CLIs and the hub's
// info report it). A named import, so the bundles carry the version string, not the whole file.
import { version } from '../package.json';

export const PRODUCT_VERSION: string = version;
