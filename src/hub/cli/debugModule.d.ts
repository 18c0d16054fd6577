// The real `debug` package's entry, loaded by quietDebug.ts when DEBUG is set (no types shipped).
declare module 'debug/src/index.js' {
  const createDebug: unknown;
  export default createDebug;
}
