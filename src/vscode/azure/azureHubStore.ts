// Where added Azure IoT Hubs are kept between sessions. The connection strings (secrets) live only
// in VS Code's SecretStorage, one entry per hub; the list of hubs (host names and non-secret
// choices such as WebSockets) lives in globalState so the tree can be rebuilt on activation. Never
// in settings, never in a log. Written against the two storage shapes only, so it stays testable.

/** The non-secret part, in globalState. */
export interface StoredAzureHub {
  hostName: string;
  /** Read D2C over AMQP over WebSocket on 443. */
  webSockets?: boolean;
  /** Consumer groups the user named for this hub besides $Default. */
  consumerGroups?: string[];
}

/** The secret part, in SecretStorage. */
export interface AzureHubSecrets {
  connectionString: string;
  /** Given by the user instead of resolving it through IoT Hub's redirect. */
  eventHubsConnectionString?: string;
}

export interface SecretStorageLike {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

const LIST_KEY = 'iotHubMessaging.azure.hubs';
const SECRET_PREFIX = 'iotHubMessaging.azure.hub:';

function secretKey(hostName: string): string {
  return `${SECRET_PREFIX}${hostName.toLowerCase()}`;
}

export class AzureHubStore {
  constructor(private readonly secrets: SecretStorageLike, private readonly state: MementoLike) {}

  list(): StoredAzureHub[] {
    const v = this.state.get<unknown>(LIST_KEY);
    if (!Array.isArray(v)) return [];
    return v.filter((h): h is StoredAzureHub => typeof h === 'object' && h !== null && typeof (h as StoredAzureHub).hostName === 'string');
  }

  async secretsOf(hostName: string): Promise<AzureHubSecrets | undefined> {
    const raw = await this.secrets.get(secretKey(hostName));
    if (raw === undefined) return undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<AzureHubSecrets>;
      if (typeof parsed.connectionString !== 'string') return undefined;
      const out: AzureHubSecrets = { connectionString: parsed.connectionString };
      if (typeof parsed.eventHubsConnectionString === 'string' && parsed.eventHubsConnectionString !== '') out.eventHubsConnectionString = parsed.eventHubsConnectionString;
      return out;
    } catch {
      return undefined;
    }
  }

  /** Saves (adds or replaces) a hub: the secret first, so a listed hub always has one. */
  async save(hub: StoredAzureHub, secrets: AzureHubSecrets): Promise<void> {
    await this.secrets.store(secretKey(hub.hostName), JSON.stringify(secrets));
    const others = this.list().filter((h) => h.hostName.toLowerCase() !== hub.hostName.toLowerCase());
    await this.state.update(LIST_KEY, [...others, hub]);
  }

  /** Updates the non-secret choices of a listed hub. */
  async update(hub: StoredAzureHub): Promise<void> {
    await this.state.update(LIST_KEY, this.list().map((h) => (h.hostName.toLowerCase() === hub.hostName.toLowerCase() ? hub : h)));
  }

  /** Forgets a hub: the list entry first, then the secret. */
  async remove(hostName: string): Promise<void> {
    await this.state.update(LIST_KEY, this.list().filter((h) => h.hostName.toLowerCase() !== hostName.toLowerCase()));
    await this.secrets.delete(secretKey(hostName));
  }
}
