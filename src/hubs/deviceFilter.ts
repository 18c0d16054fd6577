// The device filter (`*`/`?` patterns) lives with the registry (src/hub/registry/deviceFilter.ts),
// which filters device lists server-side; hub implementations and the UI import it from here.
export { compileDeviceFilter, type DeviceFilter } from '../hub/registry/deviceFilter';
