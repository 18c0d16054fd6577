// Imported first by the hub CLI, before anything loads node-sqlite3-wasm (which compiles its
// 1.2 MB SQLite module synchronously when first required).
//
// Why: with V8's default wasm pipeline the SQLite module costs ~40 MB of resident memory in
// optimised (TurboFan) machine code, measured with /proc/PID/status on an idle hub: 114 MB RSS
// by default vs 73 MB with Liftoff only. The hub's SQLite work (registry, C2D queues, feedback)
// is a handful of small statements per operation, so baseline-compiled code is fast enough and
// the memory matters more: a local hub runs all day next to the editor. The flag only affects
// WebAssembly, and only in the hub's own process (the CLI child the extension spawns), never the
// extension host. Must run before the module is compiled, hence a side-effect import.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
