import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import {
  AbstractStartedContainer,
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  type StartedTestContainer,
  Wait,
} from "testcontainers";

/**
 * A testcontainers module for `paceline serve` (the fake Okta and the MCP gateway in one image),
 * after the official modules (`@testcontainers/redis`, `@testcontainers/postgresql`): `with…`
 * setters, a health-check wait strategy, and a started container that knows its URLs.
 *
 *   const paceline = await new PacelineContainer().withUsers(500).withSeed(42).withLimits("tight").start();
 *   const client = await connect(paceline.getMcpUrl());
 *
 * The Okta token and the MCP URL token are chosen here (random unless set), so the URLs are known
 * without reading the container's output.
 */
export const PACELINE_IMAGE = "paceline:latest";
const OKTA_PORT = 8080;
const GATEWAY_PORT = 8081;

export class PacelineContainer extends GenericContainer {
  private oktaToken = randomBytes(16).toString("base64url");
  private mcpToken = randomBytes(24).toString("base64url");
  private readonly settings: Record<string, string> = {};
  private readonly allowedHosts: string[] = [];

  constructor(image = process.env.PACELINE_IMAGE ?? PACELINE_IMAGE) {
    super(image);
    this.withExposedPorts(OKTA_PORT, GATEWAY_PORT)
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(60_000);
  }

  /** Users the generator seeds (default 200). */
  withUsers(users: number): this {
    return this.set("USERS", users);
  }

  withSeed(seed: number): this {
    return this.set("SEED", seed);
  }

  /** `okta` (default), `tight`, `none`, or a limits file on the host. */
  withLimits(presetOrFile: string): this {
    if (["okta", "tight", "none"].includes(presetOrFile)) return this.set("LIMITS", presetOrFile);
    return this.withFile("LIMITS", presetOrFile);
  }

  /** A fault schedule (YAML/JSON file on the host) installed at start. */
  withFaults(file: string): this {
    return this.withFile("FAULTS", file);
  }

  /** An org fixture (YAML/JSON file on the host) instead of the generator. */
  withFixture(file: string): this {
    return this.withFile("FIXTURE", file);
  }

  /** Gateway tool filter: read, write, custom, method or tool names. */
  withMethods(...methods: string[]): this {
    return this.set("METHODS", methods.join(","));
  }

  withRateLimitMode(mode: "tool_result" | "http_429"): this {
    return this.set("RATE_LIMIT_MODE", mode);
  }

  /**
   * Host names clients use besides loopback and the Docker host testcontainers reaches the
   * container through (both always allowed), e.g. a name a proxy forwards.
   */
  withAllowedHosts(...hosts: string[]): this {
    this.allowedHosts.push(...hosts);
    return this;
  }

  /** The SSWS token the fake Okta accepts (default: random). */
  withOktaToken(token: string): this {
    this.oktaToken = token;
    return this;
  }

  /** The MCP server's URL token, 16–128 of `[A-Za-z0-9_-]` (default: random). */
  withMcpToken(token: string): this {
    this.mcpToken = token;
    return this;
  }

  private set(name: string, value: string | number): this {
    this.settings[`PACELINE_${name}`] = String(value);
    return this;
  }

  private withFile(name: string, file: string): this {
    const target = `/tmp/paceline-${name.toLowerCase()}-${basename(file)}`;
    this.withCopyFilesToContainer([{ source: file, target, mode: 0o644 }]);
    return this.set(name, target);
  }

  override async start(): Promise<StartedPacelineContainer> {
    // getHost() is not always loopback: inside a container (a CI job, a devcontainer) it is the
    // bridge's gateway (172.17.0.1), and with a remote DOCKER_HOST it is that host; the servers'
    // Host/Origin check must answer to it, or every request gets a 403.
    const { host } = (await getContainerRuntimeClient()).info.containerRuntime;
    const allowed = [...new Set([host, ...this.allowedHosts])];
    this.withEnvironment({
      ...this.settings,
      PACELINE_ALLOWED_HOSTS: allowed.join(","),
      PACELINE_TOKEN: this.oktaToken,
      PACELINE_MCP_TOKEN: this.mcpToken,
    });
    return new StartedPacelineContainer(await super.start(), this.oktaToken, this.mcpToken);
  }
}

export class StartedPacelineContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    private readonly oktaToken: string,
    private readonly mcpToken: string,
  ) {
    super(started);
  }

  /** The fake Okta's base URL (`/api/v1/…`). */
  getOktaUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(OKTA_PORT)}`;
  }

  /** The SSWS token: `Authorization: SSWS <token>`. */
  getOktaToken(): string {
    return this.oktaToken;
  }

  /** The fake Okta's admin API (`/__admin/state`, `/reset`, `/faults`, `/limits`, `/journal`). */
  getAdminUrl(): string {
    return `${this.getOktaUrl()}/__admin`;
  }

  /** The gateway's default MCP server (Streamable HTTP; `/sse` for legacy SSE). */
  getMcpUrl(): string {
    return `${this.getGatewayUrl()}/mcp/${this.mcpToken}`;
  }

  getGatewayUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(GATEWAY_PORT)}`;
  }

  /** The gateway's admin API (`/mcp-servers`, `/api-tokens`). */
  getGatewayAdminUrl(): string {
    return `${this.getGatewayUrl()}/__admin`;
  }
}

/** The Redis image `scripts/docker-image.sh` builds or tags where none can be pulled. */
export const LOCAL_REDIS_IMAGE = "paceline-redis:latest";
export const PUBLIC_REDIS_IMAGE = "redis:7-alpine";

/**
 * Redis for the shared limiter (`limiter.redis.url`), the same way. The image: the one given, else
 * `PACELINE_REDIS_IMAGE`, else `paceline-redis:latest` when it is on this machine (built from
 * Debian's redis-server by `scripts/docker-redis.sh`: nothing to pull), else `redis:7-alpine`.
 */
export class RedisLimiterContainer extends GenericContainer {
  private readonly chosen: string | undefined;

  constructor(image = process.env.PACELINE_REDIS_IMAGE) {
    super(image ?? PUBLIC_REDIS_IMAGE);
    this.chosen = image;
    this.withExposedPorts(6379).withWaitStrategy(Wait.forLogMessage("Ready to accept connections"));
  }

  override async start(): Promise<StartedRedisLimiterContainer> {
    if (!this.chosen) {
      const local = ImageName.fromString(LOCAL_REDIS_IMAGE);
      if (await (await getContainerRuntimeClient()).image.exists(local)) {
        this.imageName = local;
        this.createOpts.Image = local.string;
      }
    }
    return new StartedRedisLimiterContainer(await super.start());
  }
}

export class StartedRedisLimiterContainer extends AbstractStartedContainer {
  /** `redis://host:port`, for `connect(url, { limiter: { redis: { url } } })` or `--shared-limiter`. */
  getRedisUrl(): string {
    return `redis://${this.getHost()}:${this.getMappedPort(6379)}`;
  }
}
