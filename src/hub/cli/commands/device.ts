// `iot-hub-local device create|show|token|list|delete`.
import { createSasToken } from '../../../core/auth/sas';
import type { LocalHubClient } from '../../client/localHubClient';
import type { Device } from '../../contracts';
import { LOCAL_HOST_NAME, type ConnectionInfoJson } from '../../localHub';
import { deviceConnectionString, withHub } from '../hubAccess';
import { parseDuration, requireId, UsageError, type Values } from '../options';
import { print } from '../output';

export async function cmdDevice(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  const json = values.json === true;
  switch (sub) {
    case 'create': {
      const id = requireId(positionals, 2, 'device id');
      const input: Parameters<LocalHubClient['createDevice']>[0] = { deviceId: id, status: values.disabled === true ? 'disabled' : 'enabled' };
      if (values['primary-key'] !== undefined) input.primaryKey = values['primary-key'];
      if (values['secondary-key'] !== undefined) input.secondaryKey = values['secondary-key'];
      let info: ConnectionInfoJson | undefined;
      const device = await withHub(values, (c, i) => {
        info = i;
        return c.createDevice(input);
      }, (s) => s.registry.create(input));
      const cs = deviceConnectionString(values, info, device);
      print(json ? JSON.stringify({ deviceId: device.deviceId, status: device.status, connectionString: cs }) : cs);
      return 0;
    }
    case 'show': {
      const id = requireId(positionals, 2, 'device id');
      let info: ConnectionInfoJson | undefined;
      const device = await withHub(values, (c, i) => {
        info = i;
        return c.getDevice(id);
      }, async (s) => {
        const d = s.registry.get(id);
        if (d === undefined) throw new Error(`Device "${id}" is not registered in this hub.`);
        return d;
      });
      const cs = deviceConnectionString(values, info, device);
      print(json ? JSON.stringify({ ...device, connectionString: cs }) : cs);
      return 0;
    }
    case 'token': {
      const id = requireId(positionals, 2, 'device id');
      const ttlMs = parseDuration(values.ttl ?? '1h', '--ttl');
      const device = await withHub(values, (c) => c.getDevice(id), async (s) => {
        const d = s.registry.get(id);
        if (d === undefined) throw new Error(`Device "${id}" is not registered in this hub.`);
        return d;
      });
      print(createSasToken({
        resourceUri: `${LOCAL_HOST_NAME}/devices/${id}`,
        key: device.authentication.symmetricKey.primaryKey,
        expiresAtSeconds: Math.floor((Date.now() + ttlMs) / 1000),
      }));
      return 0;
    }
    case 'list': {
      const devices = await withHub(values, async (c) => {
        const out: Device[] = [];
        for await (const d of c.allDevices(500)) out.push(d);
        return out;
      }, async (s) => [...s.registry.all()]);
      if (json) print(JSON.stringify(devices.map(({ authentication: _a, ...rest }) => rest)));
      else if (devices.length === 0) print('(no devices)');
      else for (const d of devices) print(`${d.deviceId}\t${d.status}\t${d.connectionState}\tC2D queue ${d.cloudToDeviceMessageCount}`);
      return 0;
    }
    case 'delete': {
      const id = requireId(positionals, 2, 'device id');
      await withHub(values, (c) => c.deleteDevice(id), (s) => s.registry.delete(id));
      if (!json) print(`Deleted device ${id}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing device subcommand (create, show, token, list, delete).' : `Unknown device subcommand "${sub}".`);
  }
}
